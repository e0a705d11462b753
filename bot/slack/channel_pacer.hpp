#pragma once
// Slack allows about one chat.postMessage per second per channel; bursts are silently dropped or
// answered with 429. Each post reserves the next free slot of its channel and waits for it.
#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>

namespace katabot::slack {

class ChannelPacer {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  explicit ChannelPacer(std::chrono::milliseconds spacing = std::chrono::seconds(1), std::size_t max_channels = 4096);

  // When the next message to `channel` may be sent (now or later); the slot is taken.
  time_point reserve(const std::string& channel, time_point now);

 private:
  std::chrono::milliseconds spacing_;
  std::size_t max_channels_;
  std::unordered_map<std::string, time_point> next_free_;
};

}  // namespace katabot::slack
