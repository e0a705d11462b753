#include "bot/slack/tls_connect.hpp"

#include <variant>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

namespace katabot::slack {

namespace net = boost::asio;
namespace beast = boost::beast;
using tcp = net::ip::tcp;
using boost::system::error_code;
using namespace net::experimental::awaitable_operators;

std::shared_ptr<net::ssl::context> make_client_tls_context(const std::string& extra_ca_file) {
  auto shared = std::make_shared<net::ssl::context>(net::ssl::context::tls_client);
  auto& context = *shared;
  context.set_verify_mode(net::ssl::verify_peer);
  error_code error;
  if (!extra_ca_file.empty()) context.load_verify_file(extra_ca_file, error);
  if (error) {
    spdlog::error("slack: cannot load slack.ca_file {}: {}; every https/wss connection will fail verification",
                  extra_ca_file, error.message());
  } else {
    context.set_default_verify_paths();
  }
  context.set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                      net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1);
  return shared;
}

net::awaitable<error_code> connect_tcp(beast::tcp_stream& stream, const Url& url, std::chrono::milliseconds timeout) {
  constexpr auto no_throw = net::as_tuple(net::use_awaitable);
  tcp::resolver::results_type endpoints;
  error_code error;
  const auto literal = net::ip::make_address(url.host, error);
  if (!error) {
    endpoints = tcp::resolver::results_type::create(tcp::endpoint(literal, static_cast<unsigned short>(std::stoi(url.port))),
                                                    url.host, url.port);
  } else {
    tcp::resolver resolver(stream.get_executor());
    net::steady_timer timer(stream.get_executor());
    timer.expires_after(timeout);
    auto outcome = co_await (resolver.async_resolve(url.host, url.port, no_throw) || timer.async_wait(no_throw));
    if (outcome.index() == 1) co_return net::error::timed_out;
    auto [resolve_error, results] = std::get<0>(std::move(outcome));
    if (resolve_error) co_return resolve_error;
    endpoints = std::move(results);
  }
  stream.expires_after(timeout);
  const auto [connect_error, endpoint] = co_await stream.async_connect(endpoints, no_throw);
  if (connect_error) co_return connect_error;
  error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  co_return error_code{};
}

net::awaitable<error_code> handshake_tls(beast::ssl_stream<beast::tcp_stream>& stream, const std::string& host,
                                        std::chrono::milliseconds timeout) {
  if (!SSL_set_tlsext_host_name(stream.native_handle(), host.c_str())) {
    co_return error_code(static_cast<int>(::ERR_get_error()), net::error::get_ssl_category());
  }
  stream.set_verify_callback(net::ssl::host_name_verification(host));
  beast::get_lowest_layer(stream).expires_after(timeout);
  const auto [error] = co_await stream.async_handshake(net::ssl::stream_base::client, net::as_tuple(net::use_awaitable));
  co_return error;
}

}  // namespace katabot::slack
