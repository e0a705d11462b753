#include "bot/scheduler/reminder_plan.hpp"

#include <algorithm>

#include "knowledge/schedule.hpp"

namespace katabot {

namespace {

// The meeting's own list for `platform`; meetings.yaml has none for the console.
const std::optional<std::vector<std::string>>& announce_list(const Meeting& meeting, Platform platform) {
  static const std::optional<std::vector<std::string>> none;
  switch (platform) {
    case Platform::slack: return meeting.announce_slack;
    case Platform::irc: return meeting.announce_irc;
    case Platform::console: return none;
  }
  return none;
}

}  // namespace

std::vector<std::string> reminder_channels(const Meeting& meeting, Platform platform,
                                           const DefaultChannels& defaults) {
  if (const auto& announce = announce_list(meeting, platform)) return *announce;
  const auto found = defaults.find(platform);
  return found == defaults.end() ? std::vector<std::string>{} : found->second;
}

ReminderPlan plan_reminders(const std::vector<Meeting>& meetings, const DefaultChannels& defaults,
                            std::chrono::sys_seconds now, const std::function<bool(const ReminderKey&)>& already_done) {
  ReminderPlan plan;
  for (const auto& meeting : meetings) {
    if (meeting.reminders.empty()) continue;
    const auto longest = *std::max_element(meeting.reminders.begin(), meeting.reminders.end());
    // Occurrences in time order from the lookback on, until one whose every reminder is still ahead:
    // later ones cannot hold an earlier due time.
    auto from = now - skip_lookback;
    for (int guard = 0; guard < 1000; ++guard) {
      const auto starts = next_occurrences(meeting, from, 1);
      if (starts.empty()) break;
      const auto start = starts.front();
      from = start + std::chrono::seconds{1};
      for (const auto offset : meeting.reminders) {
        const auto due = start - offset;
        for (const auto& [platform, unused] : defaults) {
          for (const auto& channel : reminder_channels(meeting, platform, defaults)) {
            ReminderKey key{meeting.id, start, offset, platform, channel};
            if (already_done(key)) continue;
            if (due > now) {
              plan.next_due = plan.next_due ? std::min(*plan.next_due, due) : due;
              continue;
            }
            const auto action = start <= now            ? ReminderAction::skip
                                : now - due > late_after ? ReminderAction::post_late
                                                         : ReminderAction::post;
            plan.due.push_back({&meeting, std::move(key), due, action});
          }
        }
      }
      if (start - longest > now) break;
    }
    // A skipped occurrence's reminders are recorded as skipped when they fall due, so the ledger
    // and the metrics say why nothing was posted. All of them count for next_due (admins make few).
    for (const auto& cancelled : cancelled_occurrences(meeting, now - skip_lookback, std::chrono::sys_seconds::max())) {
      for (const auto offset : meeting.reminders) {
        const auto due = cancelled.start - offset;
        for (const auto& [platform, unused] : defaults) {
          for (const auto& channel : reminder_channels(meeting, platform, defaults)) {
            ReminderKey key{meeting.id, cancelled.start, offset, platform, channel};
            if (already_done(key)) continue;
            if (due > now) {
              plan.next_due = plan.next_due ? std::min(*plan.next_due, due) : due;
            } else {
              plan.due.push_back({&meeting, std::move(key), due, ReminderAction::cancelled, cancelled.skip->reason});
            }
          }
        }
      }
    }
  }
  std::stable_sort(plan.due.begin(), plan.due.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
  return plan;
}

std::vector<UpcomingReminder> upcoming_reminders(const std::vector<Meeting>& meetings, const DefaultChannels& defaults,
                                                 std::chrono::sys_seconds now, std::size_t count) {
  std::vector<UpcomingReminder> upcoming;
  for (const auto& meeting : meetings) {
    // `count` occurrences hold at least `count` reminders each, unless the meeting has none.
    for (const auto start : next_occurrences(meeting, now, count)) {
      for (const auto offset : meeting.reminders) {
        if (start - offset <= now) continue;
        UpcomingReminder reminder{&meeting, start - offset, start, {}};
        for (const auto& [platform, unused] : defaults) {
          for (const auto& channel : reminder_channels(meeting, platform, defaults)) {
            reminder.targets.push_back(std::string(platform_name(platform)) + " " + channel);
          }
        }
        upcoming.push_back(std::move(reminder));
      }
    }
  }
  std::stable_sort(upcoming.begin(), upcoming.end(), [](const auto& a, const auto& b) { return a.due < b.due; });
  if (upcoming.size() > count) upcoming.resize(count);
  return upcoming;
}

}  // namespace katabot
