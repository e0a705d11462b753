#include "bot/net/connect.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/error.hpp>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "bot/net/no_throw.hpp"

namespace katabot::client {

namespace asio = boost::asio;
using asio::ip::tcp;
using boost::system::error_code;

namespace {

void stop_target(tcp::socket& socket) {
  error_code ignored;
  socket.close(ignored);
}
void stop_target(tcp::resolver& resolver) { resolver.cancel(); }

}  // namespace

std::chrono::milliseconds ConnectTimeouts::bounded(std::chrono::milliseconds step) const {
  const auto now = std::chrono::steady_clock::now();
  if (now >= deadline) return std::chrono::milliseconds::zero();
  if (deadline - now >= step) return step;
  return std::chrono::ceil<std::chrono::milliseconds>(deadline - now);
}

Watchdog::Watchdog(tcp::socket& socket, std::chrono::milliseconds timeout)
    : timer_(socket.get_executor()), shared_(std::make_shared<Shared>()) {
  arm(socket, timeout);
}

Watchdog::Watchdog(tcp::resolver& resolver, std::chrono::milliseconds timeout)
    : timer_(resolver.get_executor()), shared_(std::make_shared<Shared>()) {
  arm(resolver, timeout);
}

template <class Target>
void Watchdog::arm(Target& target, std::chrono::milliseconds timeout) {
  timer_.expires_after(timeout);
  // `armed` rather than the timer's error: the timer may have expired, its handler queued, just
  // before the watched step ended and the target was gone.
  timer_.async_wait([shared = shared_, &target](const error_code& error) {
    if (error || !shared->armed) return;
    shared->fired = true;
    stop_target(target);
  });
}

Watchdog::~Watchdog() {
  shared_->armed = false;
  timer_.cancel();
}

asio::awaitable<std::optional<ConnectError>> connect_tcp(tcp::socket& socket, std::string host, std::string port,
                                                         ConnectTimeouts timeouts) {
  tcp::resolver::results_type endpoints;
  error_code not_literal;
  const auto literal = asio::ip::make_address(host, not_literal);
  if (!not_literal) {
    error_code bad_port;
    const auto number = tcp::resolver(socket.get_executor()).resolve(literal.to_string(), port,
                                                                      tcp::resolver::numeric_host |
                                                                          tcp::resolver::numeric_service,
                                                                      bad_port);
    if (bad_port) co_return ConnectError{bad_port, ConnectStep::resolve};
    endpoints = number;
  } else {
    tcp::resolver resolver(socket.get_executor());
    Watchdog watchdog(resolver, timeouts.bounded(timeouts.resolve));
    auto [error, results] = co_await resolver.async_resolve(host, port, no_throw);
    if (watchdog.fired()) co_return ConnectError{asio::error::timed_out, ConnectStep::resolve};
    if (error) co_return ConnectError{error, ConnectStep::resolve};
    endpoints = std::move(results);
  }
  Watchdog watchdog(socket, timeouts.bounded(timeouts.connect));
  const auto [error, endpoint] = co_await asio::async_connect(socket, endpoints, no_throw);
  if (watchdog.fired()) co_return ConnectError{asio::error::timed_out, ConnectStep::connect};
  if (error) co_return ConnectError{error, ConnectStep::connect};
  error_code ignored;
  socket.set_option(tcp::no_delay(true), ignored);
  co_return std::nullopt;
}

error_code expect_peer(SSL* ssl, const std::string& host) {
  error_code not_address;
  asio::ip::make_address(host, not_address);
  const bool checked = not_address ? SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 && SSL_set1_host(ssl, host.c_str()) == 1
                                   : X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str()) == 1;
  if (!checked) return error_code(static_cast<int>(::ERR_get_error()), asio::error::get_ssl_category());
  return {};
}

}  // namespace katabot::client
