#pragma once
// The byte pipe under an IRC connection: TCP or TLS, connected through bot/net (every step bounded,
// SNI sent, chain and host name verified against the context from client::make_tls_context).
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <tuple>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>

namespace katabot::irc {

struct TransportSettings {
  std::string host;
  std::uint16_t port = 6697;
  bool tls = true;
  std::chrono::milliseconds resolve_timeout{10000};
  std::chrono::milliseconds connect_timeout{15000};
  std::chrono::milliseconds handshake_timeout{15000};
};

class Transport {
 public:
  Transport(boost::asio::any_io_executor executor, std::shared_ptr<boost::asio::ssl::context> tls_context);

  // Resolve, connect and (for TLS) handshake; an error names the phase that failed in the log.
  boost::asio::awaitable<boost::system::error_code> connect(const TransportSettings& settings);
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> read_some(boost::asio::mutable_buffer buffer);
  boost::asio::awaitable<std::tuple<boost::system::error_code, std::size_t>> write(boost::asio::const_buffer buffer);
  // Closes the socket: every pending operation on it completes with an error.
  void close();
  bool is_open() const;

 private:
  boost::asio::any_io_executor executor_;
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  boost::asio::ip::tcp::socket socket_;
  std::unique_ptr<boost::asio::ssl::stream<boost::asio::ip::tcp::socket&>> tls_;
};

}  // namespace katabot::irc
