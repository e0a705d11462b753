#pragma once
// Connecting as a client, the one way for IRC, Slack and the link checker: resolve (IP literals
// skip the resolver), TCP connect (no_delay on), then for TLS a handshake that sends SNI and checks
// the host name (or IP address) against the certificate. Every step is bounded by a watchdog that
// closes the socket when its time is up, so a silent peer costs at most the step's timeout whatever
// stream layers (Asio SSL, Beast) sit on top. Asio-heavy: include it from drivers' .cpp files only.
#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/error_code.hpp>

struct ssl_st;  // OpenSSL's SSL

namespace katabot::client {

struct ConnectTimeouts {
  std::chrono::milliseconds resolve{10000};
  std::chrono::milliseconds connect{10000};
  std::chrono::milliseconds handshake{10000};
  // No step runs past it, whatever its own timeout: a caller with one budget for the whole
  // attempt (the etcd client) must not spend it once per step.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();

  // `step`, shortened to what is left before the deadline (zero once it has passed).
  std::chrono::milliseconds bounded(std::chrono::milliseconds step) const;
};

enum class ConnectStep { resolve, connect, tls };

struct ConnectError {
  boost::system::error_code code;  // timed_out when the step ran out of time
  ConnectStep step = ConnectStep::connect;
};

// While alive, closes `socket` (or cancels `resolver`) once `timeout` has passed: every operation
// on it then completes at once, with no need for the layers above to support cancellation.
class Watchdog {
 public:
  Watchdog(boost::asio::ip::tcp::socket& socket, std::chrono::milliseconds timeout);
  Watchdog(boost::asio::ip::tcp::resolver& resolver, std::chrono::milliseconds timeout);
  ~Watchdog();
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;
  bool fired() const { return shared_->fired; }

 private:
  struct Shared {
    bool armed = true;
    bool fired = false;
  };
  template <class Target>
  void arm(Target& target, std::chrono::milliseconds timeout);
  boost::asio::steady_timer timer_;
  std::shared_ptr<Shared> shared_;
};

// Resolves `host` and connects `socket` to it, each step within its timeout. The coroutines here
// take their strings by value: a caller that spawns one instead of awaiting it at once (a test, a
// background probe) must not leave it reading a temporary that is gone.
boost::asio::awaitable<std::optional<ConnectError>> connect_tcp(boost::asio::ip::tcp::socket& socket, std::string host,
                                                                std::string port, ConnectTimeouts timeouts);

// Prepares a client handshake with `host`: SNI for a name (RFC 6066 allows no address there) and
// the certificate check against the name or the address.
boost::system::error_code expect_peer(ssl_st* ssl, const std::string& host);

// The TLS handshake on a connected stream (Asio's ssl::stream or Beast's ssl_stream), within
// `timeout`; `socket` is the stream's lowest layer.
template <class TlsStream>
boost::asio::awaitable<boost::system::error_code> handshake_tls(TlsStream& stream, boost::asio::ip::tcp::socket& socket,
                                                               std::string host, std::chrono::milliseconds timeout) {
  if (auto error = expect_peer(stream.native_handle(), host)) co_return error;
  Watchdog watchdog(socket, timeout);
  const auto [error] = co_await stream.async_handshake(boost::asio::ssl::stream_base::client,
                                                       boost::asio::as_tuple(boost::asio::use_awaitable));
  co_return watchdog.fired() ? boost::asio::error::timed_out : error;
}

// connect_tcp, then handshake_tls: the whole way to a verified TLS peer.
template <class TlsStream>
boost::asio::awaitable<std::optional<ConnectError>> connect_tls(TlsStream& stream, boost::asio::ip::tcp::socket& socket,
                                                                std::string host, std::string port,
                                                                ConnectTimeouts timeouts) {
  if (auto failure = co_await connect_tcp(socket, host, port, timeouts)) co_return failure;
  if (auto error = co_await handshake_tls(stream, socket, host, timeouts.bounded(timeouts.handshake))) {
    co_return ConnectError{error, ConnectStep::tls};
  }
  co_return std::nullopt;
}

}  // namespace katabot::client
