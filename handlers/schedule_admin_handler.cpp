#include "handlers/schedule_admin_handler.hpp"

#include "handlers/schedule_words.hpp"
#include "handlers/time_format.hpp"
#include "knowledge/schedule.hpp"
#include "knowledge/utf8_cut.hpp"

namespace katabot {
namespace {

using std::chrono::sys_seconds;

// A reason is shown in chat and written to the log: one short line.
constexpr std::size_t max_reason_bytes = 200;

Reply plain(const std::string& text) {
  Reply reply;
  reply.text = text;
  reply.mrkdwn = escape_mrkdwn(text);
  return reply;
}

std::string day_text(date::year_month_day day) { return date::format("%a %F", day); }

std::string rest_of(const std::vector<std::string_view>& words, std::size_t from) {
  if (from >= words.size()) return {};
  const auto begin = words[from].data();
  const auto end = words.back().data() + words.back().size();
  return std::string(begin, end);
}

// The meeting and the occurrence an admin named, checked: the meeting meets that day and the call
// is not over yet. `error` holds the question or refusal otherwise.
struct Target {
  const Meeting* meeting = nullptr;
  date::year_month_day day{};
  std::size_t next_word = 0;
  std::string error;
};

Target read_target(const Request& request, const KnowledgeBase& knowledge, const Clock& clock, std::string_view usage) {
  const auto words = split_words(request.args);
  if (words.empty()) return {.error = "Usage: " + request.command_prefix + std::string(usage)};
  const auto lookup = find_meeting_named(knowledge, words[0]);
  if (!lookup.meeting) return {.error = lookup.question};
  const auto& meeting = *lookup.meeting;
  const auto now = std::chrono::floor<std::chrono::seconds>(clock.now());
  const date::year_month_day today{std::chrono::floor<date::days>(meeting.zone->to_local(now))};
  const auto date = read_date({words.begin() + 1, words.end()}, today);
  if (date.words_used == 0) return {.error = date.question + " Usage: " + request.command_prefix + std::string(usage)};
  Target target{&meeting, date.day, 1 + date.words_used, {}};
  if (!meets_on(meeting, date::local_days{date.day})) {
    const auto next = next_occurrences(meeting, sys_seconds{date::sys_days{date.day}.time_since_epoch()}, 1);
    target.error = meeting.title + " does not meet on " + day_text(date.day) + "." +
                   (next.empty() ? "" : " The next regular one is on " + format_in_zone(next.front(), meeting.zone) + ".");
  } else if (start_on(meeting, date::local_days{date.day}) + meeting.duration <= now) {
    target.error = meeting.title + " on " + day_text(date.day) + " is already over.";
  }
  return target;
}

std::string next_text(Meeting meeting, const OccurrenceOverride& change, sys_seconds now) {
  std::erase_if(meeting.overrides, [&](const auto& other) { return other.date == change.date; });
  meeting.overrides.push_back(change);
  const auto next = next_occurrences(meeting, now, 1);
  return next.empty() ? "" : " Next: " + format_in_zone(next.front(), meeting.zone) + ".";
}

sys_seconds now_of(const Clock& clock) { return std::chrono::floor<std::chrono::seconds>(clock.now()); }

}  // namespace

Reply skip_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  const auto target = read_target(request, knowledge, clock, "skip <meeting> <date> [reason]");
  if (!target.error.empty()) return plain(target.error);
  const auto words = split_words(request.args);
  OccurrenceOverride change{target.meeting->id, target.day, OccurrenceOverride::Kind::skip,
                            single_line(rest_of(words, target.next_word), max_reason_bytes)};
  const auto next = next_text(*target.meeting, change, now_of(clock));
  auto reply = plain("Skipped: " + target.meeting->title + " on " + day_text(target.day) +
                     (change.reason.empty() ? "" : " (" + change.reason + ")") + "." + next);
  reply.broadcast = Broadcast{target.meeting->id,
                              target.meeting->title + " on " + day_text(target.day) + " is cancelled" +
                                  (change.reason.empty() ? "." : ": " + change.reason + ".") + next};
  reply.schedule_change = ScheduleChange{false, std::move(change)};
  return reply;
}

Reply unskip_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  const auto target = read_target(request, knowledge, clock, "unskip <meeting> <date>");
  if (!target.error.empty()) return plain(target.error);
  if (!override_on(*target.meeting, target.day)) {
    return plain(target.meeting->title + " on " + day_text(target.day) + " is neither skipped nor moved: nothing to undo.");
  }
  const auto when = format_in_zone(start_on(*target.meeting, date::local_days{target.day}), target.meeting->zone);
  auto reply = plain("Restored: " + target.meeting->title + " on " + day_text(target.day) + " at " + when + ".");
  reply.broadcast = Broadcast{target.meeting->id, target.meeting->title + " on " + day_text(target.day) +
                                                      " takes place after all, at its usual time: " + when + "."};
  reply.schedule_change = ScheduleChange{true, {target.meeting->id, target.day}};
  return reply;
}

Reply move_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  constexpr std::string_view usage = "move <meeting> <date> <HH:MM> [zone]";
  const auto target = read_target(request, knowledge, clock, usage);
  if (!target.error.empty()) return plain(target.error);
  const auto words = split_words(request.args);
  if (target.next_word >= words.size()) return plain("At what time? Usage: " + request.command_prefix + std::string(usage));
  const auto time_word = utf8_prefix(words[target.next_word], 8);
  const auto time_of_day = parse_time_of_day(std::string(time_word));
  if (!time_of_day) {
    return plain("\"" + std::string(time_word) + "\" is not a time such as 14:30. Usage: " + request.command_prefix + std::string(usage));
  }
  const auto* zone = target.meeting->zone;
  if (target.next_word + 1 < words.size()) {
    if (target.next_word + 2 < words.size()) return plain("Too many words. Usage: " + request.command_prefix + std::string(usage));
    zone = find_zone(std::string(utf8_prefix(words[target.next_word + 1], 64)));
    if (zone == nullptr) {
      return plain("\"" + truncate_utf8(words[target.next_word + 1], 40, "…") +
                   "\" is not a time zone; use an IANA name such as Europe/Berlin or UTC.");
    }
  }
  OccurrenceOverride change{target.meeting->id, target.day, OccurrenceOverride::Kind::move, "",
                            date::local_days{target.day} + *time_of_day, zone};
  const auto start = moved_start(change);
  if (start <= now_of(clock)) return plain("That time has already passed.");
  const auto when = format_in_zone(start, zone) +
                    (zone == target.meeting->zone ? "" : " (" + format_in_zone(start, target.meeting->zone) + ")");
  auto reply = plain("Moved: " + target.meeting->title + " of " + day_text(target.day) + " to " + when + ".");
  reply.broadcast = Broadcast{target.meeting->id,
                              target.meeting->title + " of " + day_text(target.day) + " moves to " + when + "."};
  reply.schedule_change = ScheduleChange{false, std::move(change)};
  return reply;
}

Reply announce_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  const auto words = split_words(request.args);
  if (words.empty()) return plain("Usage: " + request.command_prefix + "announce <meeting> [note]");
  const auto lookup = find_meeting_named(knowledge, words[0]);
  if (!lookup.meeting) return plain(lookup.question);
  const auto next = next_occurrences(*lookup.meeting, now_of(clock), 1);
  if (next.empty()) return plain(lookup.meeting->title + " has no coming occurrence to announce.");
  auto reply = plain("Announcing " + lookup.meeting->title + " of " + format_in_zone(next.front(), lookup.meeting->zone) +
                     " in its channels now; its scheduled reminders still go out as planned.");
  reply.broadcast = Broadcast{lookup.meeting->id, single_line(rest_of(words, 1), max_reason_bytes), true};
  return reply;
}

std::string cancellation_note(const Meeting& meeting, sys_seconds now, sys_seconds until) {
  std::string note;
  for (const auto& cancelled : cancelled_occurrences(meeting, now, until)) {
    note += (note.empty() ? "" : " ") + date::format("%A", cancelled.skip->date) + "'s call on " +
            date::format("%F", cancelled.skip->date) + " is cancelled" +
            (cancelled.skip->reason.empty() ? "." : ": " + cancelled.skip->reason + ".");
  }
  return note;
}

}  // namespace katabot
