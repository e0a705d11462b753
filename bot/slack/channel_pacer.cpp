#include "bot/slack/channel_pacer.hpp"

#include <algorithm>

namespace katabot::slack {

ChannelPacer::ChannelPacer(std::chrono::milliseconds spacing, std::size_t max_channels)
    : spacing_(spacing), max_channels_(max_channels) {}

ChannelPacer::time_point ChannelPacer::reserve(const std::string& channel, time_point now) {
  if (next_free_.size() >= max_channels_) {
    // Channels whose slot has passed carry no information any more.
    std::erase_if(next_free_, [now](const auto& entry) { return entry.second <= now; });
  }
  auto& next = next_free_[channel];
  const auto slot = std::max(next, now);
  next = slot + spacing_;
  return slot;
}

}  // namespace katabot::slack
