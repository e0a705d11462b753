#pragma once
// Remembers which deliveries were already handled, so that Slack's retries (same event_id, maybe a
// new envelope_id) and its server-side duplicates (same channel + ts, new event_id) are answered
// once. Entries live for a TTL that covers Slack's last retry (5 min) with margin; the size is
// bounded however busy the workspace is.
#include <chrono>
#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "handlers/clock.hpp"

namespace katabot::slack {

class EventDedupe {
 public:
  explicit EventDedupe(const Clock& clock, std::chrono::seconds ttl = std::chrono::minutes(15),
                       std::size_t capacity = 20000);

  // True when none of `keys` was seen within the TTL. Records every non-empty key either way, so a
  // retry under a new envelope_id still teaches us that id. Callers namespace their keys
  // ("event:Ev1", "message:C1/1610.0002", "envelope:abc").
  bool first_delivery(const std::vector<std::string>& keys);
  std::size_t size() const { return seen_.size(); }

 private:
  void forget_expired(Clock::time_point now);

  const Clock& clock_;
  std::chrono::seconds ttl_;
  std::size_t capacity_;
  std::unordered_map<std::string, Clock::time_point> seen_;
  std::deque<std::pair<std::string, Clock::time_point>> order_;  // oldest first
};

}  // namespace katabot::slack
