#include "bot/http/http_server.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/system/system_error.hpp>
#include <spdlog/spdlog.h>

#include "bot/http/listen_address.hpp"
#include "bot/net/no_throw.hpp"
#include "bot/task_group.hpp"

namespace katabot {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

// Operators' requests are a request line and a few headers with no body; anything bigger is abuse.
constexpr std::uint32_t max_header_bytes = 8 * 1024;
constexpr std::uint64_t max_body_bytes = 4 * 1024;
constexpr std::size_t max_buffered_bytes = 16 * 1024;
// How long to wait before accepting again when accept fails (e.g. EMFILE), so the loop cannot spin.
constexpr auto accept_retry_delay = std::chrono::milliseconds(200);
// After stop(), how long a response already being written may take before its connection is cut.
// Shorter than the app's graceful stop time, so the server never is what makes shutdown slow.
constexpr auto response_grace = std::chrono::milliseconds(1000);


using Response = http::response<http::string_body>;

Response make_response(const HttpAnswer& answer, unsigned version, bool keep_alive, bool head_only) {
  Response response{static_cast<http::status>(answer.status), version};
  response.set(http::field::server, "katabot");
  response.set(http::field::content_type, answer.content_type);
  for (const auto& [name, value] : answer.headers) response.set(name, value);
  response.keep_alive(keep_alive);
  if (head_only) {
    response.content_length(answer.body.size());  // what GET would send, without sending it
  } else {
    response.body() = answer.body;
    response.prepare_payload();
  }
  return response;
}

// A request we cannot parse gets one status line explaining why, then the connection closes:
// after a framing error the rest of the byte stream cannot be trusted.
std::optional<HttpAnswer> answer_for_bad_request(const beast::error_code& error) {
  if (error == http::error::end_of_stream || error == http::error::partial_message ||
      error.category() != http::make_error_code(http::error::bad_target).category()) {
    return std::nullopt;  // the peer left or the socket failed: nobody to answer
  }
  if (error == http::error::header_limit) {
    return HttpAnswer{431, "text/plain; charset=utf-8", "request header too large\n", {}};
  }
  if (error == http::error::body_limit) {
    return HttpAnswer{413, "text/plain; charset=utf-8", "request body too large\n", {}};
  }
  return HttpAnswer{400, "text/plain; charset=utf-8", "bad request\n", {}};
}

}  // namespace

struct HttpServerState {
  HttpServerState(asio::any_io_executor executor, std::string listen, HttpRoutes routes, HttpServerLimits limits)
      : executor(std::move(executor)),
        listen(std::move(listen)),
        routes(std::move(routes)),
        limits(limits),
        acceptor(this->executor),
        connections(limits.connections),
        sessions(this->executor) {}

  asio::any_io_executor executor;
  std::string listen;
  HttpRoutes routes;
  HttpServerLimits limits;
  tcp::acceptor acceptor;
  bool stopped = false;
  // Live connections, so that newcomers can evict waiting ones and stop() can close them all.
  ConnectionTable connections;
  // One child per connection; run() joins them after stop().
  TaskGroup sessions;

  beast::error_code open();
  void stop();
  // Ends what stop() let finish: every connection closed, every session cancelled.
  void cut_off();
};

namespace {

// Resolves at start-up only (a blocking lookup is harmless before the loop runs).
std::optional<tcp::endpoint> resolve_listen_address(const asio::any_io_executor& executor,
                                                    const ListenAddress& address, beast::error_code& error) {
  if (const auto literal = asio::ip::make_address(address.host, error); !error) {
    return tcp::endpoint(literal, address.port);
  }
  tcp::resolver resolver(executor);
  const auto results = resolver.resolve(address.host, std::to_string(address.port),
                                        tcp::resolver::passive | tcp::resolver::numeric_service, error);
  if (error || results.empty()) return std::nullopt;
  return results.begin()->endpoint();
}

// A connection's stream and its place in the table. Owned by the session coroutine as a parameter,
// so the entry goes even when the coroutine is destroyed before it ever ran.
class SessionSlot {
 public:
  SessionSlot(std::shared_ptr<HttpServerState> state, tcp::socket socket)
      : state_(std::move(state)), stream_(std::make_unique<beast::tcp_stream>(std::move(socket))) {}
  SessionSlot(SessionSlot&& other) noexcept
      : state_(std::move(other.state_)), stream_(std::move(other.stream_)), id_(std::exchange(other.id_, std::nullopt)) {}
  SessionSlot& operator=(SessionSlot&&) = delete;
  SessionSlot(const SessionSlot&) = delete;
  ~SessionSlot() {
    if (id_) state_->connections.remove(*id_);
  }

  // Takes a place in the table (evicting a waiting connection if it is full); false if none is free.
  bool admit(const std::string& address) {
    id_ = state_->connections.admit(address, [stream = stream_.get()] {
      beast::error_code ignored;
      stream->socket().close(ignored);
    });
    return id_.has_value();
  }
  void enter(ConnectionTable::Phase phase) { state_->connections.set_phase(*id_, phase); }
  beast::tcp_stream& stream() { return *stream_; }

 private:
  std::shared_ptr<HttpServerState> state_;
  std::unique_ptr<beast::tcp_stream> stream_;
  std::optional<ConnectionTable::Id> id_;
};

asio::awaitable<void> serve_session(std::shared_ptr<HttpServerState> state, SessionSlot slot) {
  using Phase = ConnectionTable::Phase;
  // Accepted just before stop(), started just after: stop() never saw it, so it must not linger.
  if (state->stopped) co_return;
  auto& stream = slot.stream();
  const auto& limits = state->limits;
  beast::error_code ignored;
  stream.socket().set_option(tcp::no_delay(true), ignored);
  beast::flat_buffer buffer(max_buffered_bytes);

  // The first request's clock starts at the connection: opening one and sending nothing is a
  // request that never arrives, not an idle keep-alive connection.
  stream.expires_after(limits.request_read_timeout);
  for (bool first = true;; first = false) {
    slot.enter(Phase::idle);
    if (!first) stream.expires_after(limits.keep_alive_idle);
    if (buffer.size() == 0) {
      const auto [error, count] = co_await stream.async_read_some(buffer.prepare(max_header_bytes), no_throw);
      if (error) break;
      buffer.commit(count);
    }
    if (!first) stream.expires_after(limits.request_read_timeout);
    slot.enter(Phase::reading);

    http::request_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(max_body_bytes);
    const auto [read_error, read_bytes] = co_await http::async_read(stream, buffer, parser, no_throw);
    if (read_error) {
      if (const auto answer = answer_for_bad_request(read_error); answer && !state->stopped) {
        spdlog::debug("http: rejecting request: {}", read_error.message());
        slot.enter(Phase::busy);
        auto response = make_response(*answer, 11, false, false);
        stream.expires_after(limits.write_timeout);
        co_await http::async_write(stream, response, no_throw);
      }
      break;
    }
    slot.enter(Phase::busy);
    const auto& request = parser.get();
    const auto answer = answer_http_request(request.method_string(), request.target(), state->routes);
    const bool head_only = request.method() == http::verb::head;
    auto response = make_response(answer, request.version(), request.keep_alive(), head_only);
    stream.expires_after(limits.write_timeout);
    const auto [write_error, written] = co_await http::async_write(stream, response, no_throw);
    if (write_error || !response.keep_alive() || state->stopped) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream.close();
}

asio::awaitable<void> accept_loop(std::shared_ptr<HttpServerState> state) {
  asio::steady_timer retry_timer(state->executor);
  bool accept_failing = false;
  while (!state->stopped) {
    auto [error, socket] = co_await state->acceptor.async_accept(no_throw);
    if (state->stopped) break;
    if (error) {
      if (!accept_failing) spdlog::warn("http: accept failed: {} (retrying)", error.message());
      accept_failing = true;
      retry_timer.expires_after(accept_retry_delay);
      co_await retry_timer.async_wait(no_throw);
      continue;
    }
    accept_failing = false;
    beast::error_code address_error;
    const auto peer = socket.remote_endpoint(address_error);
    if (address_error) continue;  // the client is already gone
    SessionSlot slot(state, std::move(socket));
    if (!slot.admit(peer.address().to_string())) {
      spdlog::debug("http: {} connections open and all busy, refusing {}", state->connections.open_count(),
                    peer.address().to_string());
      continue;
    }
    state->sessions.spawn(serve_session(state, std::move(slot)), "http: connection from " + peer.address().to_string());
  }
}

// A free function holding the state by value: the HttpServer may be gone before the loop ends.
asio::awaitable<void> run_server(std::shared_ptr<HttpServerState> state) {
  try {
    if (!state->acceptor.is_open() && !state->stopped && state->open()) co_return;
    co_await accept_loop(state);
    // stop() closed the waiting connections; answers being written get a moment to finish.
    co_await state->sessions.join(std::chrono::steady_clock::now() + response_grace);
  } catch (const boost::system::system_error& error) {
    // The owner cancelling run() is how a server that must stop now is stopped.
    if (error.code() != asio::error::operation_aborted) spdlog::error("http: server stopped: {}", error.what());
  } catch (const std::exception& error) {
    spdlog::error("http: server stopped: {}", error.what());
  }
  state->cut_off();
}

}  // namespace

beast::error_code HttpServerState::open() {
  std::string reason;
  const auto address = parse_listen_address(listen, reason);
  if (!address) {
    spdlog::error("http: listen address '{}': {}", listen, reason);
    return asio::error::invalid_argument;
  }
  beast::error_code error;
  const auto endpoint = resolve_listen_address(executor, *address, error);
  if (!endpoint) {
    spdlog::error("http: cannot resolve '{}': {}", address->host, error.message());
    return error ? error : asio::error::host_not_found;
  }
  const auto fail = [&](const char* step) {
    spdlog::error("http: cannot {} {}: {}", step, listen, error.message());
    beast::error_code ignored;
    acceptor.close(ignored);
    return error;
  };
  acceptor.open(endpoint->protocol(), error);
  if (error) return fail("open a socket for");
  // A restarted bot must rebind at once even while the old connections sit in TIME_WAIT.
  acceptor.set_option(asio::socket_base::reuse_address(true), error);
  if (error) return fail("configure");
  acceptor.bind(*endpoint, error);
  if (error) return fail("bind");
  acceptor.listen(asio::socket_base::max_listen_connections, error);
  if (error) return fail("listen on");
  const auto bound = acceptor.local_endpoint(error);
  spdlog::info("http: listening on {}:{}", bound.address().to_string(), bound.port());
  return {};
}

void HttpServerState::stop() {
  stopped = true;
  beast::error_code ignored;
  acceptor.close(ignored);
  // Closing completes a waiting session's pending read with operation_aborted; it then leaves the
  // table itself. A busy one ends after its write, since `stopped` is set.
  connections.close_waiting();
}

void HttpServerState::cut_off() {
  stop();
  connections.close_all();
  sessions.cancel();
}

HttpServer::HttpServer(asio::any_io_executor executor, std::string listen, HttpRoutes routes, HttpServerLimits limits)
    : state_(std::make_shared<HttpServerState>(std::move(executor), std::move(listen), std::move(routes), limits)) {}

HttpServer::~HttpServer() { state_->cut_off(); }

beast::error_code HttpServer::open() { return state_->open(); }

tcp::endpoint HttpServer::local_endpoint() const {
  beast::error_code ignored;
  return state_->acceptor.local_endpoint(ignored);
}

asio::awaitable<void> HttpServer::run() { return run_server(state_); }

void HttpServer::stop() { state_->stop(); }

}  // namespace katabot
