#include "bot/irc/irc_transport.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <spdlog/spdlog.h>

namespace katabot::irc {

namespace asio = boost::asio;
using boost::system::error_code;
using namespace asio::experimental::awaitable_operators;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

std::shared_ptr<asio::ssl::context> make_tls_context(bool verify, const std::string& ca_file,
                                                     const std::string& client_cert) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  error_code error;
  context->set_default_verify_paths(error);
  if (!ca_file.empty()) {
    context->load_verify_file(ca_file, error);
    if (error) {
      spdlog::error("irc: cannot load ca_file {}: {}", ca_file, error.message());
      return nullptr;
    }
  }
  if (!client_cert.empty()) {
    context->use_certificate_chain_file(client_cert, error);
    if (!error) context->use_private_key_file(client_cert, asio::ssl::context::pem, error);
    if (error) {
      spdlog::error("irc: cannot load client_cert {} (PEM with certificate and key): {}", client_cert, error.message());
      return nullptr;
    }
  }
  if (!verify) spdlog::warn("irc: tls_verify is false: the server's certificate is NOT checked");
  context->set_verify_mode(verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return context;
}

Transport::Transport(asio::any_io_executor executor, std::shared_ptr<asio::ssl::context> tls_context)
    : executor_(executor), tls_context_(std::move(tls_context)), resolver_(executor), socket_(executor) {}

asio::awaitable<error_code> Transport::connect(const TransportSettings& settings) {
  asio::steady_timer timer(executor_);

  timer.expires_after(settings.resolve_timeout);
  auto resolved = co_await (resolver_.async_resolve(settings.host, std::to_string(settings.port), use_tuple) ||
                            timer.async_wait(use_tuple));
  if (resolved.index() == 1) {
    spdlog::warn("irc: resolving {} timed out", settings.host);
    co_return asio::error::timed_out;
  }
  auto [resolve_error, endpoints] = std::get<0>(std::move(resolved));
  if (resolve_error) {
    spdlog::warn("irc: cannot resolve {}: {}", settings.host, resolve_error.message());
    co_return resolve_error;
  }

  timer.expires_after(settings.connect_timeout);
  auto connected = co_await (asio::async_connect(socket_, endpoints, use_tuple) || timer.async_wait(use_tuple));
  const auto connect_error = connected.index() == 1 ? error_code(asio::error::timed_out) : std::get<0>(std::get<0>(connected));
  if (connect_error) {
    spdlog::warn("irc: cannot connect to {}:{}: {}", settings.host, settings.port, connect_error.message());
    close();
    co_return connect_error;
  }
  socket_.set_option(asio::ip::tcp::no_delay(true));
  if (!settings.tls) co_return error_code{};

  if (!tls_context_) co_return asio::error::make_error_code(asio::error::no_protocol_option);
  tls_ = std::make_unique<asio::ssl::stream<asio::ip::tcp::socket&>>(socket_, *tls_context_);
  SSL* ssl = tls_->native_handle();
  error_code address_error;
  asio::ip::make_address(settings.host, address_error);
  if (address_error) {
    // A name: check it against the certificate and send it as SNI.
    SSL_set_tlsext_host_name(ssl, settings.host.c_str());
    SSL_set1_host(ssl, settings.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), settings.host.c_str());
  }
  timer.expires_after(settings.handshake_timeout);
  auto handshake = co_await (tls_->async_handshake(asio::ssl::stream_base::client, use_tuple) || timer.async_wait(use_tuple));
  const auto handshake_error =
      handshake.index() == 1 ? error_code(asio::error::timed_out) : std::get<0>(std::get<0>(handshake));
  if (handshake_error) {
    spdlog::warn("irc: TLS handshake with {}:{} failed: {}", settings.host, settings.port, handshake_error.message());
    close();
    co_return handshake_error;
  }
  co_return error_code{};
}

asio::awaitable<std::tuple<error_code, std::size_t>> Transport::read_some(asio::mutable_buffer buffer) {
  if (tls_) co_return co_await tls_->async_read_some(buffer, use_tuple);
  co_return co_await socket_.async_read_some(buffer, use_tuple);
}

asio::awaitable<std::tuple<error_code, std::size_t>> Transport::write(asio::const_buffer buffer) {
  if (tls_) co_return co_await asio::async_write(*tls_, buffer, use_tuple);
  co_return co_await asio::async_write(socket_, buffer, use_tuple);
}

void Transport::close() {
  resolver_.cancel();
  error_code ignored;
  socket_.shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

bool Transport::is_open() const { return socket_.is_open(); }

}  // namespace katabot::irc
