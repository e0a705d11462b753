#pragma once
// Schedule arithmetic: when a meeting happens, computed from the wall clock in its own time zone
// every time (never "last + 7 days", which drifts across DST changes).
#include <chrono>
#include <cstddef>
#include <vector>

#include "knowledge/meetings.hpp"

namespace katabot {

using SysSeconds = std::chrono::sys_seconds;

// ISO 8601 week number (1..53) of a calendar date.
unsigned iso_week_number(date::year_month_day day);

// Whether the meeting takes place on this local date (weekday, ISO-week parity, skip dates).
bool meets_on(const Meeting& meeting, date::local_days day);

// Start of the meeting on a local date, read with the UTC offset in force before any transition
// (RFC 5545): a start inside a spring-forward gap moves later by the gap's length (02:30 → 03:30);
// a start inside a fall-back fold is the earlier of the two instants, so it happens once.
SysSeconds start_on(const Meeting& meeting, date::local_days day);
// The same reading of any wall-clock time in `zone`.
SysSeconds wall_clock_start(const date::time_zone& zone, date::local_seconds local_start);

// The admin's change to the occurrence on this regular local date, if any.
const OccurrenceOverride* override_on(const Meeting& meeting, date::year_month_day day);
// Where a moved occurrence now starts.
SysSeconds moved_start(const OccurrenceOverride& move);

// The next `count` starts at or after `from`, in order: skipped occurrences are gone, moved ones
// are at their new time.
std::vector<SysSeconds> next_occurrences(const Meeting& meeting, SysSeconds from, std::size_t count);

// Occurrences an admin skipped whose regular start is in [from, until), in order, with the reason.
struct CancelledOccurrence {
  SysSeconds start;  // when it would have been
  const OccurrenceOverride* skip;
};
std::vector<CancelledOccurrence> cancelled_occurrences(const Meeting& meeting, SysSeconds from, SysSeconds until);

struct Occurrence {
  const Meeting* meeting;
  SysSeconds start;
};
// The next `count` occurrences of all meetings merged in time order.
std::vector<Occurrence> next_occurrences(const std::vector<Meeting>& meetings, SysSeconds from, std::size_t count);

}  // namespace katabot
