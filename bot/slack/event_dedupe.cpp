#include "bot/slack/event_dedupe.hpp"

namespace katabot::slack {

EventDedupe::EventDedupe(const Clock& clock, std::chrono::seconds ttl, std::size_t capacity)
    : clock_(clock), ttl_(ttl), capacity_(capacity == 0 ? 1 : capacity) {}

void EventDedupe::forget_expired(Clock::time_point now) {
  while (!order_.empty() && (order_.front().second + ttl_ <= now || order_.size() > capacity_)) {
    const auto& [key, recorded] = order_.front();
    if (const auto found = seen_.find(key); found != seen_.end() && found->second == recorded) seen_.erase(found);
    order_.pop_front();
  }
}

bool EventDedupe::first_delivery(const std::vector<std::string>& keys) {
  const auto now = clock_.now();
  forget_expired(now);
  bool first = true;
  for (const auto& key : keys) {
    if (key.empty()) continue;
    const auto found = seen_.find(key);
    if (found != seen_.end() && found->second + ttl_ > now) {
      first = false;
      continue;
    }
    seen_[key] = now;
    order_.emplace_back(key, now);
  }
  forget_expired(now);
  return first;
}

}  // namespace katabot::slack
