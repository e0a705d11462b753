#pragma once
// Per-key token buckets (one per user) and per-key cooldowns (one per channel+topic), driven by an
// injected clock. Both forget idle keys so memory stays bounded however many people talk.
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

#include "handlers/clock.hpp"

namespace katabot {

class TokenBuckets {
 public:
  TokenBuckets(double burst, std::chrono::milliseconds refill_every, std::size_t max_keys = 10000);

  enum class Verdict { allowed, refused_first, refused_again };
  // Takes a token for `key`. The first refusal after an allowed call is `refused_first` (tell the
  // user once), later ones `refused_again` (stay quiet).
  Verdict take(const std::string& key, Clock::time_point now);
  // How long until `key` has a token again.
  std::chrono::seconds wait_for(const std::string& key, Clock::time_point now) const;

 private:
  struct Bucket {
    double tokens;
    Clock::time_point updated;
    bool warned = false;
  };
  double refilled(const Bucket& bucket, Clock::time_point now) const;
  void forget_idle(Clock::time_point now);

  double burst_;
  std::chrono::milliseconds refill_every_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Bucket> buckets_;
};

class Cooldowns {
 public:
  explicit Cooldowns(std::chrono::seconds period, std::size_t max_keys = 10000);
  bool cooling(const std::string& key, Clock::time_point now) const;
  void start(const std::string& key, Clock::time_point now);

 private:
  std::chrono::seconds period_;
  std::size_t max_keys_;
  std::unordered_map<std::string, Clock::time_point> started_;
};

}  // namespace katabot
