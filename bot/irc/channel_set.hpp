#pragma once
// The channels the bot wants to be in, and why it is not in one yet. It outlives connections: each
// new connection replays the JOINs from it. Kicks and join errors schedule a later retry instead of
// an instant rejoin loop.
#include <chrono>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "bot/irc/irc_message.hpp"

namespace katabot::irc {

struct ChannelRetrySettings {
  std::chrono::steady_clock::duration kick_rejoin_delay = std::chrono::seconds(30);
  int max_kick_rejoins_per_hour = 3;
  // 437 (temporarily unavailable) and 477 (needs identification): likely to clear soon.
  std::chrono::steady_clock::duration transient_retry_first = std::chrono::seconds(30);
  // 471/473/474/475 and others: a configuration problem a human must fix; retry rarely.
  std::chrono::steady_clock::duration blocked_retry_first = std::chrono::minutes(5);
  std::chrono::steady_clock::duration retry_cap = std::chrono::minutes(30);
  std::chrono::steady_clock::duration join_reply_timeout = std::chrono::seconds(60);
};

class ChannelSet {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  ChannelSet(std::vector<std::string> channels, ChannelRetrySettings settings = {});

  void set_casemapping(CaseMapping mapping) { mapping_ = mapping; }
  // A new connection: every channel not given up on is to be joined at once.
  void on_connected();
  // Channels to JOIN now; they count as joining until the server answers.
  std::vector<std::string> take_due(time_point now);
  void on_joined(std::string_view channel);
  // Kicked, or parted by the server: rejoin after a delay, a few times an hour at most.
  void on_kicked(std::string_view channel, time_point now);
  void on_join_error(std::string_view channel, int numeric, time_point now);

  bool wants(std::string_view channel) const;
  bool is_joined(std::string_view channel) const;
  // Every channel is joined or waiting on a retry: nothing is in flight.
  bool settled() const;
  std::vector<std::string> joined() const;

 private:
  enum class Status { wanted, joining, joined, given_up };
  struct Channel {
    std::string name;
    Status status = Status::wanted;
    time_point next_attempt{};
    time_point join_sent{};
    int failures = 0;
    std::deque<time_point> kicks;
  };
  Channel* find(std::string_view channel);
  const Channel* find(std::string_view channel) const;
  void retry_later(Channel& channel, std::chrono::steady_clock::duration first, time_point now);

  std::vector<Channel> channels_;
  ChannelRetrySettings settings_;
  CaseMapping mapping_ = CaseMapping::rfc1459;
};

}  // namespace katabot::irc
