#include "bot/slack/tls_connect.hpp"

#include "bot/net/connect.hpp"
#include "bot/net/tls_context.hpp"

namespace katabot::slack {

namespace beast = boost::beast;
using boost::system::error_code;

std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file) {
  return client::make_tls_context({.owner = "slack", .ca_file = ca_file});
}

boost::asio::awaitable<error_code> open_stream(beast::tcp_stream& stream, const Url& url,
                                               std::chrono::milliseconds timeout) {
  const auto failure = co_await client::connect_tcp(stream.socket(), url.host, url.port, {timeout, timeout, timeout});
  co_return failure ? failure->code : error_code{};
}

boost::asio::awaitable<error_code> open_stream(beast::ssl_stream<beast::tcp_stream>& stream, const Url& url,
                                               std::chrono::milliseconds timeout) {
  const auto failure = co_await client::connect_tls(stream, beast::get_lowest_layer(stream).socket(), url.host, url.port,
                                                    {timeout, timeout, timeout});
  co_return failure ? failure->code : error_code{};
}

}  // namespace katabot::slack
