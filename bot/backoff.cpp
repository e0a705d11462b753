#include "bot/backoff.hpp"

#include <algorithm>

namespace katabot {

Backoff::Backoff(Duration first, Duration cap, std::uint64_t seed)
    : first_(first), cap_(std::max(cap, first)), base_(first), random_(seed) {}

Backoff::Duration Backoff::next() {
  const auto base = base_;
  base_ = std::min(base_ * 2, cap_);
  std::uniform_int_distribution<Duration::rep> jitter(base.count() / 2, base.count());
  return Duration(jitter(random_));
}

}  // namespace katabot
