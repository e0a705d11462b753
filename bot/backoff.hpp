#pragma once
// Jittered exponential backoff for reconnect loops: each delay is drawn uniformly from
// [base/2, base], base doubling from `first` up to `cap`; reset() after a stable session.
#include <chrono>
#include <cstdint>
#include <random>

namespace katabot {

class Backoff {
 public:
  using Duration = std::chrono::milliseconds;
  Backoff(Duration first, Duration cap, std::uint64_t seed = std::random_device{}());

  Duration next();
  void reset() { base_ = first_; }

 private:
  Duration first_;
  Duration cap_;
  Duration base_;
  std::mt19937_64 random_;
};

}  // namespace katabot
