// The operator HTTP server in-process on 127.0.0.1:0, driven by real clients (curl, raw sockets).
#include <atomic>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <catch2/catch.hpp>

#include "bot/http/http_server.hpp"
#include "test_support.hpp"

namespace asio = boost::asio;
using namespace katabot;
using namespace katabot::test;

namespace {

const std::string metrics_text =
    "# TYPE katabot_messages_in_total counter\nkatabot_messages_in_total{platform=\"irc\"} 3\n";
const std::string calendar_text =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//katabot//test//EN\r\nEND:VCALENDAR\r\n";

// The routes answer on the io thread while the test thread flips readiness.
struct StubState {
  std::atomic<bool> ready{true};
};

HttpRoutes stub_routes(StubState& state) {
  return HttpRoutes{
      [&state] {
        if (state.ready) return std::pair{true, std::string("ready")};
        return std::pair{false, std::string("slack: not connected")};
      },
      [] { return metrics_text; },
      [] { return calendar_text; },
  };
}

// The server on its own io_context, run by a background thread (the test is the only place with a
// second thread: the server itself only ever runs on the io thread).
class RunningServer {
 public:
  explicit RunningServer(HttpRoutes routes, HttpServerLimits limits = {})
      : server_(io_.get_executor(), "127.0.0.1:0", std::move(routes), limits) {
    opened_ = server_.open();
    port_ = server_.local_endpoint().port();
    asio::co_spawn(io_, server_.run(), asio::detached);
    thread_ = std::thread([this] {
      io_.run();
      finished_.set_value();
    });
  }
  ~RunningServer() {
    if (!stop_and_wait(5s)) io_.stop();
    thread_.join();
  }
  RunningServer(const RunningServer&) = delete;
  RunningServer& operator=(const RunningServer&) = delete;

  boost::system::error_code open_error() const { return opened_; }
  std::uint16_t port() const { return port_; }
  // Returns once everything already queued on the io thread has run (its handlers run in order).
  bool drain(std::chrono::milliseconds limit) {
    std::promise<void> reached;
    auto future = reached.get_future();
    asio::post(io_, [&reached] { reached.set_value(); });
    return future.wait_for(limit) == std::future_status::ready;
  }
  // stop() on the io thread; true once the loop ran out of work (acceptor and sessions closed).
  bool stop_and_wait(std::chrono::milliseconds limit) {
    std::call_once(stop_requested_, [this] { asio::post(io_, [this] { server_.stop(); }); });
    return finished_future_.wait_for(limit) == std::future_status::ready;
  }

 private:
  asio::io_context io_;
  HttpServer server_;
  boost::system::error_code opened_;
  std::uint16_t port_ = 0;
  std::promise<void> finished_;
  std::shared_future<void> finished_future_ = finished_.get_future().share();
  std::once_flag stop_requested_;
  std::thread thread_;
};

std::string url(std::uint16_t port, const std::string& path) {
  return "http://127.0.0.1:" + std::to_string(port) + path;
}

// Asks /healthz over a connection that stays open, and waits for the answer.
bool served(RawConnection& connection) {
  connection.send_all("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
  return connection.read_until_contains("\r\n\r\nok\n", deadline_in(5s));
}

// Sends `request` on a new connection and reads until the server closes it.
std::optional<std::string> answer_before_close(std::uint16_t port, const std::string& request) {
  RawConnection connection(port);
  if (!connection.connected()) return std::nullopt;
  connection.send_all(request);
  return connection.read_until_closed(deadline_in(5s));
}

}  // namespace

TEST_CASE("GET /healthz answers ok as plain text", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));
  REQUIRE_FALSE(server.open_error());
  REQUIRE(server.port() != 0);

  const auto reply = curl_request(server.port(), "/healthz");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "ok\n");
  CHECK(reply->header("Content-Type") == "text/plain; charset=utf-8");
  CHECK(reply->header("Server") == "katabot");
  CHECK(reply->header("Cache-Control") == "no-store");
}

TEST_CASE("GET /readyz follows the readiness route: 200 when ready, 503 naming what is not", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  auto reply = curl_request(server.port(), "/readyz");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "ready\n");

  state.ready = false;
  reply = curl_request(server.port(), "/readyz");
  REQUIRE(reply);
  CHECK(reply->status == 503);
  CHECK(reply->body == "slack: not connected\n");
  CHECK(reply->header("Content-Type") == "text/plain; charset=utf-8");
}

TEST_CASE("GET /metrics serves the Prometheus text format", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  const auto reply = curl_request(server.port(), "/metrics");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(reply->body == metrics_text);
}

TEST_CASE("GET /meetings.ics serves the calendar inline", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  const auto reply = curl_request(server.port(), "/meetings.ics");
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->header("Content-Type") == "text/calendar; charset=utf-8");
  CHECK(reply->header("Content-Disposition") == "inline; filename=meetings.ics");
  CHECK(reply->body == calendar_text);
}

TEST_CASE("a query string does not change the route", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));
  const auto reply = curl_request(server.port(), "/healthz?probe=kubelet");
  REQUIRE(reply);
  CHECK(reply->status == 200);
}

TEST_CASE("unknown paths are 404, other methods 405 with Allow", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  for (const std::string path : {"/", "/nope", "/healthz/extra", "/metricsx"}) {
    const auto reply = curl_request(server.port(), path);
    REQUIRE(reply);
    CHECK(reply->status == 404);
  }
  for (const std::string method : {"POST", "PUT", "DELETE", "OPTIONS"}) {
    CAPTURE(method);
    const auto reply = curl_request(server.port(), "/healthz", {"--request", method});
    REQUIRE(reply);
    CHECK(reply->status == 405);
    CHECK(reply->header("Allow") == "GET, HEAD");
  }
}

TEST_CASE("HEAD sends the GET headers and length without a body", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  const auto reply = curl_request(server.port(), "/metrics", {"--head"});
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  CHECK(reply->header("Content-Length") == std::to_string(metrics_text.size()));

  // curl stops reading after a HEAD's headers; a raw socket sees whether a body followed them.
  RawConnection connection(server.port());
  REQUIRE(connection.connected());
  connection.send_all("HEAD /metrics HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  const auto received = connection.read_until_closed(deadline_in(5s));
  REQUIRE(received);
  CHECK(received->find("\r\nContent-Length: " + std::to_string(metrics_text.size()) + "\r\n") != std::string::npos);
  CHECK(received->ends_with("\r\n\r\n"));
}

TEST_CASE("keep-alive: two requests travel over one connection", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  // num_connects is the number of new connections each transfer needed: 0 when curl reused one.
  const auto result = run_curl({"--output", "/dev/null", "--output", "/dev/null", "--write-out",
                                "%{http_code} %{num_connects} %{local_port}\n", url(server.port(), "/healthz"),
                                url(server.port(), "/metrics")});
  REQUIRE(result.exit_code == 0);
  std::istringstream lines(result.output);
  int first_status = 0, first_connects = 0, first_port = 0, second_status = 0, second_connects = 0, second_port = 0;
  lines >> first_status >> first_connects >> first_port >> second_status >> second_connects >> second_port;
  CHECK(first_status == 200);
  CHECK(second_status == 200);
  CHECK(first_connects == 1);
  CHECK(second_connects == 0);
  CHECK(first_port == second_port);
}

TEST_CASE("a request that closes the connection is answered and then closed", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  const auto received =
      answer_before_close(server.port(), "GET /healthz HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n");
  REQUIRE(received);
  CHECK(received->rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(received->ends_with("\r\n\r\nok\n"));
}

TEST_CASE("an HTTP/1.0 request (the Docker HEALTHCHECK's) is answered and closed", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  const auto received = answer_before_close(server.port(), "GET /healthz HTTP/1.0\r\n\r\n");
  REQUIRE(received);
  CHECK(received->rfind("HTTP/1.0 200 OK\r\n", 0) == 0);
  CHECK(received->ends_with("\r\n\r\nok\n"));
}

TEST_CASE("garbage gets 400 and a closed connection, and the server keeps serving others", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  RawConnection connection(server.port());
  REQUIRE(connection.connected());
  // A TLS ClientHello-like start: what a client configured for https would send.
  connection.send_all(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 junk\r\n\r\n", 19));
  const auto received = connection.read_until_closed(deadline_in(5s));
  REQUIRE(received);
  CHECK(received->rfind("HTTP/1.1 400 Bad Request\r\n", 0) == 0);

  const auto reply = curl_request(server.port(), "/healthz");
  REQUIRE(reply);
  CHECK(reply->status == 200);
}

TEST_CASE("oversized requests are refused and closed", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  SECTION("a header block beyond the limit") {
    RawConnection connection(server.port());
    REQUIRE(connection.connected());
    connection.send_all("GET /healthz HTTP/1.1\r\nHost: test\r\nX-Padding: " + std::string(64 * 1024, 'a') +
                        "\r\n\r\n");
    const auto received = connection.read_until_closed(deadline_in(5s));
    REQUIRE(received);
    CHECK(received->rfind("HTTP/1.1 431", 0) == 0);
  }
  SECTION("a body beyond the limit") {
    RawConnection connection(server.port());
    REQUIRE(connection.connected());
    connection.send_all("POST /healthz HTTP/1.1\r\nHost: test\r\nContent-Length: 1000000\r\n\r\n" +
                        std::string(64 * 1024, 'b'));
    const auto received = connection.read_until_closed(deadline_in(5s));
    REQUIRE(received);
    CHECK(received->rfind("HTTP/1.1 413", 0) == 0);
  }
  const auto reply = curl_request(server.port(), "/healthz");
  REQUIRE(reply);
  CHECK(reply->status == 200);
}

TEST_CASE("a connection that sends nothing is closed at the request deadline", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state), HttpServerLimits{.request_read_timeout = 300ms, .keep_alive_idle = 30s});

  // Before the connect: the server's deadline starts at its accept, which may come before connect() returns.
  const auto started = std::chrono::steady_clock::now();
  RawConnection idle(server.port());
  REQUIRE(idle.connected());
  const auto received = idle.read_until_closed(deadline_in(5s));
  REQUIRE(received);
  CHECK(received->empty());
  CHECK(std::chrono::steady_clock::now() - started >= 250ms);
}

TEST_CASE("half a header is cut off at the request deadline, however slowly it trickles", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state), HttpServerLimits{.request_read_timeout = 300ms, .keep_alive_idle = 30s});
  const std::string request = "GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n";

  // On a keep-alive connection, after one answer: the long idle allowance must not apply to a
  // request that has started.
  RawConnection slow(server.port());
  REQUIRE(served(slow));
  const auto started = std::chrono::steady_clock::now();
  std::optional<std::string> received;
  // One byte whenever 100 ms passed without the server hanging up: each byte is progress, yet the
  // deadline counts from the first.
  for (std::size_t sent = 0; sent < request.size() - 2 && !received; ++sent) {
    slow.send_all(request.substr(sent, 1));
    received = slow.read_until_closed(deadline_in(100ms));
  }
  REQUIRE(received);
  CHECK(received->empty());
  const auto lasted = std::chrono::steady_clock::now() - started;
  CHECK(lasted >= 250ms);
  CHECK(lasted < 2s);
}

TEST_CASE("a keep-alive connection may idle longer than a request may take to arrive", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state), HttpServerLimits{.request_read_timeout = 200ms, .keep_alive_idle = 800ms});

  RawConnection connection(server.port());
  // Before the request: the idle time starts when the answer is written, before it is read here.
  const auto started = std::chrono::steady_clock::now();
  REQUIRE(served(connection));
  const auto received = connection.read_until_closed(deadline_in(5s));
  REQUIRE(received);
  CHECK(std::chrono::steady_clock::now() - started >= 700ms);
}

TEST_CASE("a full server evicts the connection idle the longest and serves the newcomer", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state), HttpServerLimits{.connections = {.total = 2, .per_address = 2},
                                                            .request_read_timeout = 30s,
                                                            .keep_alive_idle = 30s});
  // Each holder has been served once, so the server holds both as idle keep-alive connections.
  std::vector<std::unique_ptr<RawConnection>> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(std::make_unique<RawConnection>(server.port()));
    REQUIRE(served(*holders.back()));
  }

  RawConnection newcomer(server.port());
  CHECK(served(newcomer));
  // Well before any timeout (30 s): the first holder was closed to make room, the second kept.
  CHECK(holders.front()->read_until_closed(deadline_in(5s)));
  CHECK(served(*holders.back()));
}

TEST_CASE("one address at its cap replaces its own connections, not another client's", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state), HttpServerLimits{.connections = {.total = 8, .per_address = 2},
                                                            .request_read_timeout = 30s,
                                                            .keep_alive_idle = 30s});
  RawConnection scraper(server.port(), "127.0.0.2");
  REQUIRE(served(scraper));

  std::vector<std::unique_ptr<RawConnection>> flood;
  for (int i = 0; i < 3; ++i) {
    flood.push_back(std::make_unique<RawConnection>(server.port()));
    REQUIRE(served(*flood.back()));
  }
  CHECK(flood.front()->read_until_closed(deadline_in(5s)));
  // The other client's idle connection, older than all of them, is still served.
  CHECK(served(scraper));
}

TEST_CASE("/healthz answers at once while 70 idle and 10 half-header connections are open", "[http]") {
  StubState state;
  // Default limits: what production runs.
  RunningServer server(stub_routes(state));

  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < 70; ++i) {
    idle.push_back(std::make_unique<RawConnection>(server.port()));
    REQUIRE(idle.back()->connected());
  }
  std::vector<std::unique_ptr<RawConnection>> half_header;
  for (int i = 0; i < 10; ++i) {
    half_header.push_back(std::make_unique<RawConnection>(server.port()));
    REQUIRE(half_header.back()->connected());
    half_header.back()->send_all("GET /healthz HTTP/1.1\r\nHost: te");
  }

  // One attempt, well inside the 5 s request deadline that would otherwise free slots.
  const auto started = std::chrono::steady_clock::now();
  const auto reply = run_curl({"--include", url(server.port(), "/healthz")}, 2);
  INFO(reply.output);
  REQUIRE(reply.exit_code == 0);
  const auto parsed = parse_included_reply(reply.output);
  REQUIRE(parsed);
  CHECK(parsed->status == 200);
  CHECK(std::chrono::steady_clock::now() - started < 2s);
}

TEST_CASE("the absolute-form request target is accepted", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));

  // Through a "proxy", curl sends "GET http://katabot.internal/healthz HTTP/1.1".
  const auto result = run_curl({"--include", "--proxy", url(server.port(), ""), "http://katabot.internal/healthz?x=1"});
  REQUIRE(result.exit_code == 0);
  const auto reply = parse_included_reply(result.output);
  REQUIRE(reply);
  CHECK(reply->status == 200);
  CHECK(reply->body == "ok\n");

  const auto received = answer_before_close(
      server.port(), "GET http://127.0.0.1/readyz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
  REQUIRE(received);
  CHECK(received->rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
  CHECK(received->ends_with("\r\n\r\nready\n"));
}

TEST_CASE("stop() closes the acceptor and live keep-alive connections", "[http]") {
  StubState state;
  RunningServer server(stub_routes(state));
  const auto port = server.port();

  RawConnection live(port);
  REQUIRE(live.connected());
  live.send_all("GET /healthz HTTP/1.1\r\nHost: test\r\n\r\n");
  REQUIRE(live.read_until_contains("\r\n\r\nok\n", deadline_in(5s)));
  // The session resumed after its write and now waits for the next request: only closing its
  // socket can end that wait before the 10 s request timeout.
  REQUIRE(server.drain(5s));

  // The io_context running out of work proves no session or accept is left pending.
  REQUIRE(server.stop_and_wait(5s));
  CHECK(live.read_until_closed(deadline_in(5s)));
  CHECK_FALSE(curl_request(port, "/healthz"));
}

TEST_CASE("stop() lets an answer being written finish, and closes waiting connections at once", "[http]") {
  StubState state;
  auto routes = stub_routes(state);
  // More than loopback's socket buffers hold: the server is still writing it when stop() comes.
  const std::string big_calendar(32 * 1024 * 1024, 'x');
  routes.calendar = [&big_calendar] { return big_calendar; };
  RunningServer server(std::move(routes));
  const auto port = server.port();

  RawConnection idle(port);
  REQUIRE(idle.connected());
  REQUIRE(served(idle));
  RawConnection downloading(port, "127.0.0.2");
  REQUIRE(downloading.connected());
  downloading.send_all("GET /meetings.ics HTTP/1.1\r\nHost: test\r\n\r\n");
  REQUIRE(downloading.read_until_contains("HTTP/1.1 200 OK\r\n", deadline_in(5s)));
  REQUIRE(server.drain(5s));

  std::thread stopper([&server] { server.stop_and_wait(5s); });
  CHECK(idle.read_until_closed(deadline_in(2s)));  // waiting: closed at once
  const auto rest = downloading.read_until_closed(deadline_in(5s));
  stopper.join();
  REQUIRE(rest);
  CHECK(rest->size() > big_calendar.size());  // the rest of the head and the whole body
  CHECK(rest->ends_with(std::string(1024, 'x')));
}

TEST_CASE("open() reports a port already taken and a malformed listen address", "[http]") {
  StubState state;
  RunningServer first(stub_routes(state));
  REQUIRE_FALSE(first.open_error());

  asio::io_context io;
  HttpServer taken(io.get_executor(), "127.0.0.1:" + std::to_string(first.port()), stub_routes(state));
  CHECK(taken.open() == boost::system::errc::address_in_use);

  HttpServer malformed(io.get_executor(), "localhost", stub_routes(state));
  CHECK(malformed.open());
}

TEST_CASE("a name in the listen address is resolved", "[http]") {
  StubState state;
  asio::io_context io;
  HttpServer server(io.get_executor(), "localhost:0", stub_routes(state));
  REQUIRE_FALSE(server.open());
  CHECK(server.local_endpoint().address().is_loopback());
  CHECK(server.local_endpoint().port() != 0);
}
