#pragma once
// Meetings for the schedule, .ics and reminder tests, written as meetings.yaml entries so they go
// through the real loader.
#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "knowledge/meetings.hpp"
#include "tests/unit/test_support.hpp"

namespace katabot::test {

// `entries` holds one or more "  - id: …" list items.
inline std::vector<Meeting> meetings_from_yaml(const std::string& entries) {
  Diagnostics diagnostics;
  auto meetings = parse_meetings("meetings:\n" + entries, "test-meetings.yaml", diagnostics);
  if (!diagnostics.empty()) throw std::runtime_error("bad test meetings: " + diagnostics.front().to_string());
  return meetings;
}

inline Meeting meeting_from_yaml(const std::string& entry) { return meetings_from_yaml(entry).at(0); }

inline std::chrono::sys_seconds utc(int y, unsigned m, unsigned d, int hour = 0, int minute = 0, int second = 0) {
  return std::chrono::floor<std::chrono::seconds>(at_utc(y, m, d, hour, minute)) + std::chrono::seconds(second);
}

}  // namespace katabot::test
