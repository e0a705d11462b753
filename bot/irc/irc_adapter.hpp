#pragma once
// The IRC side of the bot (OFTC): one connection at a time, owned by run(), reconnecting with
// jittered backoff. Channel lines and private messages go to the router; replies come back split to
// fit 512 bytes, queued fairly per asker and paced by the flood buckets.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/adapter.hpp"
#include "bot/config.hpp"
#include "bot/inbound.hpp"
#include "bot/irc/channel_set.hpp"
#include "bot/irc/fair_queue.hpp"
#include "bot/irc/flood_control.hpp"
#include "bot/irc/reply_lines.hpp"
#include "bot/irc/session.hpp"
#include "bot/metrics.hpp"

namespace boost::asio::ssl {
class context;
}

namespace katabot {

// Timings and limits. The defaults are for production; tests shorten them.
struct IrcTuning {
  irc::SessionSettings session;  // only the timings are used: identity comes from IrcConfig
  irc::ChannelRetrySettings channel_retry;
  irc::FloodSettings flood;
  irc::ReplyLimits reply_limits;
  std::chrono::milliseconds resolve_timeout{10000};
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds handshake_timeout{15000};
  std::chrono::milliseconds reconnect_first{2000};
  std::chrono::milliseconds reconnect_cap{std::chrono::minutes(5)};
  std::chrono::milliseconds after_ban{std::chrono::hours(1)};  // 465: retrying quickly escalates bans
  std::chrono::steady_clock::duration stable_session = std::chrono::minutes(5);
  std::chrono::milliseconds tick{250};
  // How long a QUIT waits for the server to close: within LeaderTerms::graceful_close, so that a
  // server ignoring QUIT cannot eat the time the lease revoke needs at shutdown (bot/app.cpp).
  std::chrono::milliseconds quit_grace{500};
  // How long a post waits for its channel to be joined (just connected, rejoining after a kick)
  // before the caller is told to retry later.
  std::chrono::milliseconds post_join_wait{30000};
  irc::FairQueueLimits queue;  // answers waiting for the flood buckets
};

class IrcAdapter final : public ChatAdapter {
 public:
  // Whether a message waits for its sender's services account (WHOIS when the server sends no
  // account tag) before it is handled: the admin commands.
  using NeedsAccount = std::function<bool(const Inbound&)>;
  // Asked right before each PRIVMSG or NOTICE reaches the socket: false drops it. A leader that was
  // paused past its lease must not flush the replies queued before the pause (ha.md §3.2).
  using MaySpeak = std::function<bool()>;

  IrcAdapter(boost::asio::any_io_executor executor, IrcConfig config, std::string bot_name, InboundHandler handler,
             Metrics& metrics, IrcTuning tuning = {}, NeedsAccount needs_account = {}, MaySpeak may_speak = {});
  ~IrcAdapter() override;

  Platform platform() const override { return Platform::irc; }
  bool ready() const override;
  boost::asio::awaitable<void> run() override;
  void stop() override;
  boost::asio::awaitable<PostOutcome> post(std::string channel, Reply reply) override;

  // The nick the server knows us by now (empty when not registered).
  std::string current_nick() const;

 private:
  class Connection;
  struct Wait;
  boost::asio::awaitable<bool> run_connection();
  // Nothing once `channel` can take a post (within tuning_.post_join_wait), else what to report.
  boost::asio::awaitable<std::optional<PostOutcome>> wait_until_postable(const std::string& channel);
  // A channel was joined or the link registered: posts waiting for that look again.
  void wake_posts();
  bool may_speak() const;

  boost::asio::any_io_executor executor_;
  IrcConfig config_;
  InboundHandler handler_;
  NeedsAccount needs_account_;
  MaySpeak may_speak_;
  Metrics& metrics_;
  IrcTuning tuning_;
  irc::SessionSettings session_settings_;
  irc::ChannelSet channels_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::unique_ptr<Connection> connection_;
  std::unique_ptr<Wait> reconnect_wait_;
  std::vector<std::pair<std::string, Wait*>> post_waits_;  // by channel
  bool stopping_ = false;
};

}  // namespace katabot
