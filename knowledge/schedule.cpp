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
  const auto local_start = date::local_seconds{day} + meeting.time_of_day;
  // Both cases read the wall time with the offset in force before the transition, as RFC 5545
  // (section 3.3.5) and Python's zoneinfo do, so the .ics feed and the bot agree: a nonexistent
  // 02:30 becomes 03:30 after the spring-forward gap, an ambiguous one its first occurrence.
  const auto info = meeting.zone->get_info(local_start);
  return date::sys_seconds{local_start.time_since_epoch()} - info.first.offset;
}

std::vector<SysSeconds> next_occurrences(const Meeting& meeting, SysSeconds from, std::size_t count) {
  std::vector<SysSeconds> starts;
  if (meeting.zone == nullptr || count == 0) return starts;
  // Start a day early: the local date of `from` may be behind or ahead of its UTC date.
  auto day = date::floor<date::days>(meeting.zone->to_local(from)) - date::days{1};
  // Bounded: every skip date and parity rule still leaves a meeting within a few years.
  for (int scanned = 0; starts.size() < count && scanned < 366 * 20; ++scanned, day += date::days{1}) {
    if (!meets_on(meeting, day)) continue;
    const auto start = start_on(meeting, day);
    if (start >= from) starts.push_back(start);
  }
  return starts;
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
