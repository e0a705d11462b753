#include "bot/scheduler/reminder_key.hpp"

#include <date/date.h>

#include "knowledge/meetings.hpp"

namespace katabot {

std::string describe(const ReminderKey& key) {
  return key.meeting_id + "@" + date::format("%FT%TZ", key.occurrence) + "-" + format_duration(key.offset) + " " +
         std::string(platform_name(key.platform)) + ":" + key.channel;
}

std::string post_key(const ReminderKey& key) {
  return key.meeting_id + "@" + date::format("%FT%TZ", key.occurrence) + "-" + std::to_string(key.offset.count()) + "s";
}

}  // namespace katabot
