#pragma once
// Where each admin's schedule change came from, until etcd confirms it: a save that fails later
// (SharedOverridesEvents::save_failed) is told in the same conversation, since the command's reply
// went out long before. Bounded in number and in time: a change unconfirmed after kept_for is
// forgotten (etcd calls are bounded far below that), and the oldest goes when it is full.
#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>

#include "bot/platform.hpp"
#include "knowledge/occurrence_override.hpp"

namespace katabot {

struct Conversation {
  Platform platform = Platform::console;
  std::string channel;
};

class PendingChanges {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::size_t capacity = 32;
  static constexpr std::chrono::minutes kept_for{2};

  void remember(const ScheduleChange& change, Conversation where, time_point now);
  // The conversation `change` came from, forgotten once taken; nullopt when unknown or expired.
  std::optional<Conversation> take(const ScheduleChange& change, time_point now);
  std::size_t size() const { return pending_.size(); }

 private:
  struct Pending {
    ScheduleChange change;
    Conversation where;
    time_point at;
  };
  void forget_expired(time_point now);
  std::deque<Pending> pending_;
};

}  // namespace katabot
