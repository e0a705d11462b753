#include "bot/rate_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace katabot {

TokenBuckets::TokenBuckets(double burst, std::chrono::milliseconds refill_every, std::size_t max_keys)
    : burst_(burst), refill_every_(refill_every), max_keys_(max_keys) {}

double TokenBuckets::refilled(const Bucket& bucket, Clock::time_point now) const {
  const auto elapsed = std::chrono::duration<double, std::milli>(now - bucket.updated).count();
  return std::min(burst_, bucket.tokens + std::max(0.0, elapsed) / static_cast<double>(refill_every_.count()));
}

void TokenBuckets::forget_idle(Clock::time_point now) {
  // A bucket that has refilled completely behaves exactly like a new one.
  std::erase_if(buckets_, [&](const auto& entry) { return refilled(entry.second, now) >= burst_; });
}

TokenBuckets::Verdict TokenBuckets::take(const std::string& key, Clock::time_point now) {
  if (buckets_.size() >= max_keys_) forget_idle(now);
  auto [it, inserted] = buckets_.try_emplace(key, Bucket{burst_, now});
  auto& bucket = it->second;
  bucket.tokens = refilled(bucket, now);
  bucket.updated = now;
  if (bucket.tokens >= 1.0) {
    bucket.tokens -= 1.0;
    bucket.warned = false;
    return Verdict::allowed;
  }
  if (bucket.warned) return Verdict::refused_again;
  bucket.warned = true;
  return Verdict::refused_first;
}

std::chrono::seconds TokenBuckets::wait_for(const std::string& key, Clock::time_point now) const {
  const auto it = buckets_.find(key);
  if (it == buckets_.end()) return std::chrono::seconds(0);
  const auto missing = 1.0 - refilled(it->second, now);
  if (missing <= 0) return std::chrono::seconds(0);
  return std::chrono::seconds(static_cast<long>(std::ceil(missing * static_cast<double>(refill_every_.count()) / 1000.0)));
}

Cooldowns::Cooldowns(std::chrono::seconds period, std::size_t max_keys) : period_(period), max_keys_(max_keys) {}

bool Cooldowns::cooling(const std::string& key, Clock::time_point now) const {
  const auto it = started_.find(key);
  return it != started_.end() && now - it->second < period_;
}

void Cooldowns::start(const std::string& key, Clock::time_point now) {
  if (started_.size() >= max_keys_) {
    std::erase_if(started_, [&](const auto& entry) { return now - entry.second >= period_; });
  }
  started_[key] = now;
}

}  // namespace katabot
