#pragma once
// What identifies one reminder post: exactly one per key, across restarts and crashes.
#include <chrono>
#include <compare>
#include <string>

namespace katabot {

struct ReminderKey {
  std::string meeting_id;
  std::chrono::sys_seconds occurrence;  // the meeting's start, UTC
  std::chrono::seconds offset;          // how long before the start
  std::string platform;                 // "slack", "irc"
  std::string channel;

  auto operator<=>(const ReminderKey&) const = default;
  bool operator==(const ReminderKey&) const = default;
};

// "architecture-committee@2026-12-03T13:00:00Z-15m slack:C0123" for logs.
std::string describe(const ReminderKey& key);

}  // namespace katabot
