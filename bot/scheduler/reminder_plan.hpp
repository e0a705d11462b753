#pragma once
// Which reminders are due and what to do with each: pure arithmetic over the meetings, the time and
// what the ledger already holds. The scheduler driver (reminder_scheduler.hpp) acts on the result.
#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/scheduler/reminder_key.hpp"
#include "knowledge/meetings.hpp"

namespace katabot {

// Platform → channels that get reminders when a meeting names none.
// Only platforms present here get reminders at all.
using DefaultChannels = std::map<Platform, std::vector<std::string>>;

enum class ReminderAction {
  post,       // on time
  post_late,  // its time passed (the bot was down or the target was) but the meeting has not started
  skip,       // the meeting has started: too late to remind
  cancelled,  // an admin skipped this occurrence: recorded as skipped with the reason, never posted
};

struct PlannedReminder {
  const Meeting* meeting;
  ReminderKey key;
  std::chrono::sys_seconds due;  // key.occurrence - key.offset
  ReminderAction action;
  std::string cancel_reason;  // for ReminderAction::cancelled: the admin's reason, may be empty
};

struct ReminderPlan {
  std::vector<PlannedReminder> due;  // due at or before `now` and not in the ledger yet
  std::optional<std::chrono::sys_seconds> next_due;  // the earliest later reminder, if any
};

// A reminder posted more than this after its due time says so ("starting in 3 minutes").
inline constexpr std::chrono::seconds late_after{30};
// Reminders of meetings that started longer ago than this are not looked at any more (so a fresh
// ledger does not record skips for the whole past).
inline constexpr std::chrono::hours skip_lookback{24};

// The channels of `platform` that get the meeting's reminders: its announce list, else the default.
std::vector<std::string> reminder_channels(const Meeting& meeting, Platform platform,
                                           const DefaultChannels& defaults);

// The next `count` reminders still ahead of `now` (all channels of one reminder together), for
// `status`.
struct UpcomingReminder {
  const Meeting* meeting;
  std::chrono::sys_seconds due;
  std::chrono::sys_seconds occurrence;
  std::vector<std::string> targets;  // "slack C0123ABCD", "irc #kata-dev"
};
std::vector<UpcomingReminder> upcoming_reminders(const std::vector<Meeting>& meetings, const DefaultChannels& defaults,
                                                 std::chrono::sys_seconds now, std::size_t count);

ReminderPlan plan_reminders(const std::vector<Meeting>& meetings, const DefaultChannels& defaults,
                            std::chrono::sys_seconds now, const std::function<bool(const ReminderKey&)>& already_done);

}  // namespace katabot
