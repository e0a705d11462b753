#include "bot/slack/websocket_link.hpp"
#include "bot/net/no_throw.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/stream.hpp>

#include "bot/slack/tls_connect.hpp"

namespace katabot::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using boost::system::error_code;

namespace {

constexpr std::size_t read_chunk = 64 * 1024;

template <class NextLayer>
class BasicLink final : public WebSocketLink {
 public:
  template <class... Args>
  BasicLink(Url url, std::size_t max_message_bytes, Args&&... args)
      : url_(std::move(url)), max_message_bytes_(max_message_bytes), ws_(std::forward<Args>(args)...) {
    // A hard limit far above the soft cap: a single endless message still ends the link.
    ws_.read_message_max(max_message_bytes_ * 16);
    ws_.auto_fragment(false);
    ws_.control_callback([this](websocket::frame_type, beast::string_view) { heard(); });
  }

  asio::awaitable<error_code> connect(std::chrono::milliseconds timeout) override {
    if (auto error = co_await open_transport(timeout)) co_return error;
    ws_.set_option(websocket::stream_base::timeout{timeout, websocket::stream_base::none(), false});
    ws_.set_option(websocket::stream_base::decorator(
        [](websocket::request_type& request) { request.set(beast::http::field::user_agent, "katabot"); }));
    const auto host = url_.host + ":" + url_.port;
    const auto [error] = co_await ws_.async_handshake(host, url_.target, no_throw);
    beast::get_lowest_layer(ws_).expires_never();
    heard();
    co_return error;
  }

  asio::awaitable<LinkMessage> read() override {
    LinkMessage message;
    buffer_.clear();
    do {
      const auto [error, bytes] = co_await ws_.async_read_some(buffer_, read_chunk, no_throw);
      if (error) {
        message.error = error;
        co_return message;
      }
      heard();
      if (buffer_.size() > max_message_bytes_) {
        message.oversized = true;
        buffer_.clear();
      }
    } while (!ws_.is_message_done());
    message.text = ws_.got_text();
    const auto data = buffer_.cdata();
    message.data = std::string_view(static_cast<const char*>(data.data()), data.size());
    co_return message;
  }

  asio::awaitable<error_code> write_text(std::string_view text) override {
    ws_.text(true);
    const auto [error, written] = co_await ws_.async_write(asio::buffer(text.data(), text.size()), no_throw);
    co_return error;
  }

  asio::awaitable<error_code> ping() override {
    const auto [error] = co_await ws_.async_ping({}, no_throw);
    co_return error;
  }

  asio::awaitable<void> close(std::chrono::milliseconds timeout) override {
    if (ws_.is_open()) {
      ws_.set_option(websocket::stream_base::timeout{timeout, websocket::stream_base::none(), false});
      co_await ws_.async_close(websocket::close_code::normal, no_throw);
    }
    abort();
  }

  void abort() override {
    error_code ignored;
    beast::get_lowest_layer(ws_).socket().close(ignored);
  }

  time_point last_heard() const override { return last_heard_; }

 private:
  void heard() { last_heard_ = std::chrono::steady_clock::now(); }

  asio::awaitable<error_code> open_transport(std::chrono::milliseconds timeout) {
    co_return co_await open_stream(ws_.next_layer(), url_, timeout);
  }

  Url url_;
  std::size_t max_message_bytes_;
  websocket::stream<NextLayer> ws_;
  beast::flat_buffer buffer_;
  time_point last_heard_ = std::chrono::steady_clock::now();
};

}  // namespace

std::shared_ptr<WebSocketLink> WebSocketLink::make(asio::any_io_executor executor, const Url& url, asio::ssl::context& tls,
                                                   std::size_t max_message_bytes) {
  if (url.secure()) {
    return std::make_shared<BasicLink<beast::ssl_stream<beast::tcp_stream>>>(url, max_message_bytes, std::move(executor),
                                                                             tls);
  }
  return std::make_shared<BasicLink<beast::tcp_stream>>(url, max_message_bytes, std::move(executor));
}

}  // namespace katabot::slack
