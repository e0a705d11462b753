#include "bot/irc/flood_control.hpp"

#include <algorithm>
#include <cmath>

namespace katabot::irc {

FloodControl::FloodControl(FloodSettings settings, time_point now)
    : settings_(settings), lines_(settings.burst_lines), bytes_(settings.burst_bytes), updated_(now) {}

void FloodControl::refill(time_point now) {
  if (now <= updated_) return;
  const double seconds = std::chrono::duration<double>(now - updated_).count();
  const double line_seconds = std::chrono::duration<double>(settings_.line_interval).count();
  lines_ = std::min(settings_.burst_lines, lines_ + seconds / line_seconds);
  bytes_ = std::min(settings_.burst_bytes, bytes_ + seconds * settings_.bytes_per_second);
  updated_ = now;
}

FloodControl::duration FloodControl::delay_for(std::size_t bytes, time_point now) {
  refill(now);
  // A line larger than the whole byte bucket waits for a full bucket rather than forever.
  const double needed_bytes = std::min<double>(static_cast<double>(bytes), settings_.burst_bytes);
  const double line_seconds = std::chrono::duration<double>(settings_.line_interval).count();
  const double wait_lines = lines_ >= 1 ? 0 : (1 - lines_) * line_seconds;
  const double wait_bytes = bytes_ >= needed_bytes ? 0 : (needed_bytes - bytes_) / settings_.bytes_per_second;
  const double wait = std::max(wait_lines, wait_bytes);
  return std::chrono::duration_cast<duration>(std::chrono::duration<double>(std::ceil(wait * 1e6) / 1e6));
}

void FloodControl::consume(std::size_t bytes, time_point now) {
  refill(now);
  lines_ -= 1;
  bytes_ -= std::min<double>(static_cast<double>(bytes), settings_.burst_bytes);
}

}  // namespace katabot::irc
