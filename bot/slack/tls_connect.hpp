#pragma once
// Slack's side of bot/net: its TLS trust (the system store plus slack.ca_file) and opening the
// stream under an http(s) or ws(s) URL, each connect step (resolve, connect, handshake) bounded by
// `timeout`. Beast-heavy: include it only from the .cpp files of bot/slack/.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "bot/slack/url.hpp"

namespace katabot::slack {

// client::make_tls_context for slack.ca_file: a file that cannot be loaded fails closed.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& ca_file);

boost::asio::awaitable<boost::system::error_code> open_stream(boost::beast::tcp_stream& stream, const Url& url,
                                                             std::chrono::milliseconds timeout);
boost::asio::awaitable<boost::system::error_code> open_stream(boost::beast::ssl_stream<boost::beast::tcp_stream>& stream,
                                                             const Url& url, std::chrono::milliseconds timeout);

}  // namespace katabot::slack
