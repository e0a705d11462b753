#pragma once
// Connecting to Slack: resolve and TCP-connect within a deadline, then (https/wss) a TLS handshake
// with SNI and host name verification against the system CA store. Beast-heavy: include it only
// from the .cpp files of bot/slack/.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include "bot/slack/url.hpp"

namespace katabot::slack {

// Trusts the system store plus `extra_ca_file` when given. A CA file that cannot be loaded is
// logged and leaves the context trusting nothing, so every connection fails its handshake
// instead of quietly running without the anchor the operator asked for.
std::shared_ptr<boost::asio::ssl::context> make_client_tls_context(const std::string& extra_ca_file);

// Resolves url.host (IP literals skip the resolver) and connects, no_delay on.
boost::asio::awaitable<boost::system::error_code> connect_tcp(boost::beast::tcp_stream& stream, const Url& url,
                                                             std::chrono::milliseconds timeout);

boost::asio::awaitable<boost::system::error_code> handshake_tls(
    boost::beast::ssl_stream<boost::beast::tcp_stream>& stream, const std::string& host,
    std::chrono::milliseconds timeout);

}  // namespace katabot::slack
