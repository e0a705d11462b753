#pragma once
// One Socket Mode WebSocket (ws:// or wss://), read a whole message at a time. Oversized messages
// are read to their end and discarded, so a huge frame neither grows memory past the cap nor costs
// the connection. Any frame or pong counts as a sign of life (last_heard). Beast stays in the .cpp.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "bot/slack/url.hpp"

namespace katabot::slack {

struct LinkMessage {
  boost::system::error_code error;  // set: the link is gone
  bool text = false;
  bool oversized = false;
  std::string_view data;  // valid until the next read
};

class WebSocketLink {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static std::shared_ptr<WebSocketLink> make(boost::asio::any_io_executor executor, const Url& url,
                                             boost::asio::ssl::context& tls, std::size_t max_message_bytes);
  virtual ~WebSocketLink() = default;

  virtual boost::asio::awaitable<boost::system::error_code> connect(std::chrono::milliseconds timeout) = 0;
  virtual boost::asio::awaitable<LinkMessage> read() = 0;
  // One write at a time (the reader writes acks inline).
  virtual boost::asio::awaitable<boost::system::error_code> write_text(std::string_view text) = 0;
  virtual boost::asio::awaitable<boost::system::error_code> ping() = 0;
  // Close handshake (1000) within `timeout`, then the socket is closed either way.
  virtual boost::asio::awaitable<void> close(std::chrono::milliseconds timeout) = 0;
  // Closes the socket now: pending operations fail, the reader ends.
  virtual void abort() = 0;
  virtual time_point last_heard() const = 0;
};

}  // namespace katabot::slack
