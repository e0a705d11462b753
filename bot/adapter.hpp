#pragma once
// What the app needs from a chat adapter (Slack, IRC): run the connection, say whether it is
// ready, post messages (reminders), stop gracefully.
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "bot/inbound.hpp"
#include "bot/post_outcome.hpp"
#include "handlers/reply.hpp"

namespace katabot {

class ChatAdapter {
 public:
  virtual ~ChatAdapter() = default;
  virtual Platform platform() const = 0;
  // For logs and metric labels only: decisions go by platform().
  std::string_view name() const { return platform_name(platform()); }
  // Connected and registered / joined: what /readyz reports.
  virtual bool ready() const = 0;
  // Owns the connection, reconnecting with backoff, until stop(); returns after a graceful close.
  virtual boost::asio::awaitable<void> run() = 0;
  // Stop taking work, flush replies in flight, close (QUIT / WebSocket close). Idempotent.
  virtual void stop() = 0;
  // Posts a message to a channel and says what became of it (see post_outcome.hpp).
  virtual boost::asio::awaitable<PostOutcome> post(std::string channel, Reply reply) = 0;
  // Whether a message carrying `post_key` (Reply::post_key) was posted to `channel` at or after
  // `since`. The scheduler asks before posting a reminder whose ledger record is missing (a crash
  // between post and record) and before retrying after a failure that may have posted; true means
  // "record it, do not post again". An adapter that cannot tell says false (posts at least once).
  virtual boost::asio::awaitable<bool> find_posted(std::string channel, std::string post_key,
                                                   std::chrono::system_clock::time_point since) {
    (void)channel, (void)post_key, (void)since;
    co_return false;
  }
};

}  // namespace katabot
