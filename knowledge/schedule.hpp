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

// The next `count` starts at or after `from`, in order.
std::vector<SysSeconds> next_occurrences(const Meeting& meeting, SysSeconds from, std::size_t count);

struct Occurrence {
  const Meeting* meeting;
  SysSeconds start;
};
// The next `count` occurrences of all meetings merged in time order.
std::vector<Occurrence> next_occurrences(const std::vector<Meeting>& meetings, SysSeconds from, std::size_t count);

}  // namespace katabot
