#pragma once
// The time source, injected everywhere time matters so that tests set the time instead of sleeping.
#include <chrono>

namespace katabot {

class Clock {
 public:
  using time_point = std::chrono::system_clock::time_point;
  virtual ~Clock() = default;
  virtual time_point now() const = 0;
};

class SystemClock final : public Clock {
 public:
  time_point now() const override { return std::chrono::system_clock::now(); }
};

// For tests: time moves only when told to.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(time_point start) : now_(start) {}
  time_point now() const override { return now_; }
  void set(time_point when) { now_ = when; }
  void advance(std::chrono::system_clock::duration by) { now_ += by; }

 private:
  time_point now_;
};

}  // namespace katabot
