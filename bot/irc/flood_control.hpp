#pragma once
// Outgoing pacing sized for hybrid-family servers (OFTC): a line bucket (burst, then one line per
// interval) and a byte bucket, both driven by the time the caller passes in, so tests need no clock.
#include <chrono>
#include <cstddef>

namespace katabot::irc {

struct FloodSettings {
  double burst_lines = 4;
  std::chrono::milliseconds line_interval{1500};
  double burst_bytes = 1536;
  double bytes_per_second = 512;
};

class FloodControl {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  FloodControl(FloodSettings settings, time_point now);

  // How long to wait before a line of `bytes` may go; zero when it may go now.
  duration delay_for(std::size_t bytes, time_point now);
  // Records that the line went out (call after delay_for returned zero).
  void consume(std::size_t bytes, time_point now);

 private:
  void refill(time_point now);

  FloodSettings settings_;
  double lines_;
  double bytes_;
  time_point updated_;
};

}  // namespace katabot::irc
