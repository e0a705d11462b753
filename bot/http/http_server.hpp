#pragma once
// The operators' HTTP/1.1 endpoint (/healthz, /readyz, /metrics, /meetings.ics) on the bot's one
// io_context. Read-only: it asks HttpRoutes for the answers and changes nothing. Beast stays in
// the .cpp file so that including this header costs little.
#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

#include "bot/http/connection_table.hpp"
#include "bot/http/http_routes.hpp"

namespace katabot {

struct HttpServerLimits {
  // Probes and scrapers need a handful of connections; the cap keeps a flood from exhausting the
  // file descriptors the chat connections need, and eviction keeps it from locking probes out.
  ConnectionCaps connections;
  // A request (head and its small body) must arrive within this, counted from its first byte, or
  // from the opening of the connection for its first request: half a header is cut off here.
  std::chrono::milliseconds request_read_timeout = std::chrono::seconds(5);
  // How long a keep-alive connection may wait for its next request.
  std::chrono::milliseconds keep_alive_idle = std::chrono::seconds(10);
  std::chrono::milliseconds write_timeout = std::chrono::seconds(10);
};

struct HttpServerState;  // shared with the session coroutines, which may outlive the HttpServer

class HttpServer {
 public:
  // listen: "HOST:PORT" (IPv4, [IPv6] or a name resolved at open()); port 0 picks a free port.
  HttpServer(boost::asio::any_io_executor executor, std::string listen, HttpRoutes routes,
             HttpServerLimits limits = {});
  ~HttpServer();  // closes every connection; sessions still running keep the state they need alive
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens now, so that a taken port or a bad address fails start-up. Logs the reason
  // (or the address it listens on) itself.
  boost::system::error_code open();
  // The bound address (the real port when listen asked for 0); default-constructed if not open.
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Accepts until stop(), then lets answers being written finish (at most 1 s) and closes the rest;
  // cancelling it closes everything at once. Opens first if open() was not called. Never throws;
  // errors are logged.
  boost::asio::awaitable<void> run();
  // Closes the acceptor and every connection not answering right now. Idempotent; call it on the
  // io_context's thread.
  void stop();

 private:
  std::shared_ptr<HttpServerState> state_;
};

}  // namespace katabot
