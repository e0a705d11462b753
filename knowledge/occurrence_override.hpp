#pragma once
// A change an admin made to one occurrence of a meeting from chat: skipped (with a reason) or
// moved to another local date-time. Kept in state_dir (bot/scheduler/override_log), never in
// meetings.yaml, and applied to the published meetings so every reader of the schedule follows it.
#include <string>

#include <date/date.h>
#include <date/tz.h>

namespace katabot {

struct OccurrenceOverride {
  enum class Kind { skip, move };
  std::string meeting_id;
  date::year_month_day date;  // the occurrence's regular local date in the meeting's zone
  Kind kind = Kind::skip;
  std::string reason;                                // skip: why, shown to users
  date::local_seconds moved_start{};                 // move: the new wall-clock start...
  const date::time_zone* moved_zone = nullptr;       // ...in this zone
  bool operator==(const OccurrenceOverride&) const = default;
};

}  // namespace katabot

namespace katabot {

// What an admin command asks the runtime to write: set an override, or clear the one on that date.
struct ScheduleChange {
  bool clear = false;
  OccurrenceOverride change;  // for a clear, only meeting_id and date count
};

}  // namespace katabot
