#pragma once
// What identifies one reminder post: exactly one per key, across restarts and crashes.
#include <chrono>
#include <compare>
#include <string>

#include "bot/platform.hpp"

namespace katabot {

struct ReminderKey {
  std::string meeting_id;
  std::chrono::sys_seconds occurrence;  // the meeting's start, UTC
  std::chrono::seconds offset;          // how long before the start
  Platform platform = Platform::console;
  std::string channel;

  auto operator<=>(const ReminderKey&) const = default;
  bool operator==(const ReminderKey&) const = default;
};

// "architecture-committee@2026-12-03T13:00:00Z-15m slack:C0123" for logs.
std::string describe(const ReminderKey& key);
// "architecture-committee@2026-12-03T13:00:00Z-900s": what a post carries (Reply::post_key) so that
// the platform can tell later whether this reminder is already in its channel.
std::string post_key(const ReminderKey& key);

}  // namespace katabot
