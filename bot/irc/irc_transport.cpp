#include "bot/irc/irc_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include "bot/net/connect.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::irc {

namespace asio = boost::asio;
using boost::system::error_code;

Transport::Transport(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls_context)
    : executor_(executor), tls_context_(std::move(tls_context)), socket_(executor) {}

asio::awaitable<error_code> Transport::connect(const TransportSettings& settings) {
  const client::ConnectTimeouts timeouts{settings.resolve_timeout, settings.connect_timeout, settings.handshake_timeout};
  const auto port = std::to_string(settings.port);
  std::optional<client::ConnectError> failure;
  if (settings.tls) {
    tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
    failure = co_await client::connect_tls(*tls_, socket_, settings.host, port, timeouts);
  } else {
    failure = co_await client::connect_tcp(socket_, settings.host, port, timeouts);
  }
  if (!failure) co_return error_code{};
  switch (failure->step) {
    case client::ConnectStep::resolve:
      spdlog::warn("irc: cannot resolve {}: {}", settings.host, failure->code.message());
      break;
    case client::ConnectStep::connect:
      spdlog::warn("irc: cannot connect to {}:{}: {}", settings.host, settings.port, failure->code.message());
      break;
    case client::ConnectStep::tls:
      spdlog::warn("irc: TLS handshake with {}:{} failed: {}", settings.host, settings.port, failure->code.message());
      break;
  }
  close();
  co_return failure->code;
}

asio::awaitable<std::tuple<error_code, std::size_t>> Transport::read_some(asio::mutable_buffer buffer) {
  if (tls_) co_return co_await tls_->async_read_some(buffer, no_throw);
  co_return co_await socket_.async_read_some(buffer, no_throw);
}

asio::awaitable<std::tuple<error_code, std::size_t>> Transport::write(asio::const_buffer buffer) {
  if (tls_) co_return co_await asio::async_write(*tls_, buffer, no_throw);
  co_return co_await asio::async_write(socket_, buffer, no_throw);
}

void Transport::close() {
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

bool Transport::is_open() const { return socket_.is_open(); }

}  // namespace katabot::irc
