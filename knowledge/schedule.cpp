#include "knowledge/schedule.hpp"

#include <algorithm>

#include <date/iso_week.h>

namespace katabot {

unsigned iso_week_number(date::year_month_day day) {
  return static_cast<unsigned>(iso_week::year_weeknum_weekday{date::sys_days{day}}.weeknum());
}

bool meets_on(const Meeting& meeting, date::local_days day) {
  if (date::weekday{day} != meeting.day) return false;
  const date::year_month_day calendar_day{day};
  if (meeting.frequency != Frequency::weekly) {
    const bool even_week = iso_week_number(calendar_day) % 2 == 0;
    if (even_week != (meeting.frequency == Frequency::biweekly_even)) return false;
  }
  return std::find(meeting.skip.begin(), meeting.skip.end(), calendar_day) == meeting.skip.end();
}

SysSeconds start_on(const Meeting& meeting, date::local_days day) {
  return wall_clock_start(*meeting.zone, date::local_seconds{day} + meeting.time_of_day);
}

SysSeconds wall_clock_start(const date::time_zone& zone, date::local_seconds local_start) {
  // Both cases read the wall time with the offset in force before the transition, as RFC 5545
  // (section 3.3.5) and Python's zoneinfo do, so the .ics feed and the bot agree: a nonexistent
  // 02:30 becomes 03:30 after the spring-forward gap, an ambiguous one its first occurrence.
  const auto info = zone.get_info(local_start);
  return date::sys_seconds{local_start.time_since_epoch()} - info.first.offset;
}

const OccurrenceOverride* override_on(const Meeting& meeting, date::year_month_day day) {
  for (const auto& change : meeting.overrides) {
    if (change.date == day) return &change;
  }
  return nullptr;
}

SysSeconds moved_start(const OccurrenceOverride& move) { return wall_clock_start(*move.moved_zone, move.moved_start); }

std::vector<SysSeconds> next_occurrences(const Meeting& meeting, SysSeconds from, std::size_t count) {
  std::vector<SysSeconds> starts;
  if (meeting.zone == nullptr || count == 0) return starts;
  // A moved occurrence may land anywhere, so moves are taken on their own and merged in order.
  for (const auto& change : meeting.overrides) {
    if (change.kind != OccurrenceOverride::Kind::move || !meets_on(meeting, date::local_days{change.date})) continue;
    if (const auto start = moved_start(change); start >= from) starts.push_back(start);
  }
  // Start a day early: the local date of `from` may be behind or ahead of its UTC date.
  auto day = date::floor<date::days>(meeting.zone->to_local(from)) - date::days{1};
  // Bounded: every skip date and parity rule still leaves a meeting within a few years.
  // `count` regular ones besides the moves: the first `count` of the merge are then all known.
  for (std::size_t regular = 0, scanned = 0; regular < count && scanned < 366 * 20; ++scanned, day += date::days{1}) {
    if (!meets_on(meeting, day) || override_on(meeting, date::year_month_day{day}) != nullptr) continue;
    const auto start = start_on(meeting, day);
    if (start >= from) {
      starts.push_back(start);
      ++regular;
    }
  }
  std::sort(starts.begin(), starts.end());
  if (starts.size() > count) starts.resize(count);
  return starts;
}

std::vector<CancelledOccurrence> cancelled_occurrences(const Meeting& meeting, SysSeconds from, SysSeconds until) {
  std::vector<CancelledOccurrence> cancelled;
  if (meeting.zone == nullptr) return cancelled;
  for (const auto& change : meeting.overrides) {
    const date::local_days day{change.date};
    if (change.kind != OccurrenceOverride::Kind::skip || !meets_on(meeting, day)) continue;
    if (const auto start = start_on(meeting, day); start >= from && start < until) cancelled.push_back({start, &change});
  }
  std::sort(cancelled.begin(), cancelled.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  return cancelled;
}

std::vector<Occurrence> next_occurrences(const std::vector<Meeting>& meetings, SysSeconds from, std::size_t count) {
  std::vector<Occurrence> merged;
  for (const auto& meeting : meetings) {
    for (const auto start : next_occurrences(meeting, from, count)) merged.push_back({&meeting, start});
  }
  std::stable_sort(merged.begin(), merged.end(), [](const auto& a, const auto& b) { return a.start < b.start; });
  if (merged.size() > count) merged.resize(count);
  return merged;
}

}  // namespace katabot
