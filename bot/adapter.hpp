#pragma once
// What the app needs from a chat adapter (Slack, IRC): run the connection, say whether it is
// ready, post messages (reminders), stop gracefully.
#include <chrono>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>

#include "bot/post_outcome.hpp"
#include "handlers/reply.hpp"

namespace katabot {

class ChatAdapter {
 public:
  virtual ~ChatAdapter() = default;
  virtual std::string_view name() const = 0;  // "slack", "irc"
  // Connected and registered / joined: what /readyz reports.
  virtual bool ready() const = 0;
  // Owns the connection, reconnecting with backoff, until stop(); returns after a graceful close.
  virtual boost::asio::awaitable<void> run() = 0;
  // Stop taking work, flush replies in flight, close (QUIT / WebSocket close). Idempotent.
  virtual void stop() = 0;
  // Posts a message to a channel and says what became of it (see post_outcome.hpp).
  virtual boost::asio::awaitable<PostOutcome> post(std::string channel, Reply reply) = 0;
  // Whether a post with Reply::dedupe_key `key` is in `channel` since `since` (a reminder whose
  // ledger record is missing after a crash). False where the platform cannot tell (IRC).
  virtual boost::asio::awaitable<bool> find_posted(std::string channel, std::string key,
                                                   std::chrono::system_clock::time_point since) {
    (void)channel, (void)key, (void)since;
    co_return false;
  }
};

}  // namespace katabot
