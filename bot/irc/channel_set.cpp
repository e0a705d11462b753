#include "bot/irc/channel_set.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace katabot::irc {

ChannelSet::ChannelSet(std::vector<std::string> channels, ChannelRetrySettings settings) : settings_(settings) {
  for (auto& name : channels) {
    if (!find(name)) channels_.push_back(Channel{std::move(name)});
  }
}

ChannelSet::Channel* ChannelSet::find(std::string_view channel) {
  const auto folded = casefold(channel, mapping_);
  for (auto& candidate : channels_) {
    if (casefold(candidate.name, mapping_) == folded) return &candidate;
  }
  return nullptr;
}

const ChannelSet::Channel* ChannelSet::find(std::string_view channel) const {
  return const_cast<ChannelSet*>(this)->find(channel);
}

void ChannelSet::on_connected() {
  for (auto& channel : channels_) {
    // A channel already waiting (after a kick or a ban) keeps its retry time.
    if (channel.status == Status::joined || channel.status == Status::joining) {
      channel.status = Status::wanted;
      channel.next_attempt = {};
    }
  }
}

std::vector<std::string> ChannelSet::take_due(time_point now) {
  std::vector<std::string> due;
  for (auto& channel : channels_) {
    const bool unanswered = channel.status == Status::joining && now - channel.join_sent >= settings_.join_reply_timeout;
    if ((channel.status == Status::wanted && now >= channel.next_attempt) || unanswered) {
      channel.status = Status::joining;
      channel.join_sent = now;
      due.push_back(channel.name);
    }
  }
  return due;
}

void ChannelSet::on_joined(std::string_view name) {
  if (auto* channel = find(name)) {
    channel->status = Status::joined;
    channel->failures = 0;
  }
}

void ChannelSet::on_kicked(std::string_view name, time_point now) {
  auto* channel = find(name);
  if (!channel) return;
  while (!channel->kicks.empty() && now - channel->kicks.front() >= std::chrono::hours(1)) channel->kicks.pop_front();
  channel->kicks.push_back(now);
  if (static_cast<int>(channel->kicks.size()) > settings_.max_kick_rejoins_per_hour) {
    spdlog::error("irc: kicked from {} {} times within an hour; not rejoining until restart", channel->name,
                  channel->kicks.size());
    channel->status = Status::given_up;
    return;
  }
  channel->status = Status::wanted;
  channel->next_attempt = now + settings_.kick_rejoin_delay;
}

void ChannelSet::retry_later(Channel& channel, std::chrono::steady_clock::duration first, time_point now) {
  auto delay = first;
  for (int i = 0; i < channel.failures && delay < settings_.retry_cap; ++i) delay *= 2;
  delay = std::min(delay, settings_.retry_cap);
  ++channel.failures;
  channel.status = Status::wanted;
  channel.next_attempt = now + delay;
  spdlog::info("irc: will retry joining {} in {} s", channel.name,
               std::chrono::duration_cast<std::chrono::seconds>(delay).count());
}

void ChannelSet::on_join_error(std::string_view name, int numeric, time_point now) {
  auto* channel = find(name);
  if (!channel || channel->status == Status::joined) return;
  const bool transient = numeric == 437 || numeric == 477;
  retry_later(*channel, transient ? settings_.transient_retry_first : settings_.blocked_retry_first, now);
}

bool ChannelSet::wants(std::string_view channel) const { return find(channel) != nullptr; }

bool ChannelSet::is_joined(std::string_view name) const {
  const auto* channel = find(name);
  return channel && channel->status == Status::joined;
}

bool ChannelSet::settled() const {
  return std::none_of(channels_.begin(), channels_.end(),
                      [](const Channel& channel) { return channel.status == Status::joining; });
}

std::vector<std::string> ChannelSet::joined() const {
  std::vector<std::string> names;
  for (const auto& channel : channels_) {
    if (channel.status == Status::joined) names.push_back(channel.name);
  }
  return names;
}

}  // namespace katabot::irc
