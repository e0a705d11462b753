// The etcd client's one deadline per call, against loopback listeners instead of etcd: a member
// that accepts connections but never answers (SIGSTOPped, its kernel still completes the TCP
// handshake) must neither hold a call past its deadline nor eat the whole budget, and the next
// call must not start with it again.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "bot/coordination/etcd_client.hpp"
#include "bot/net/no_throw.hpp"

using namespace katabot;
using namespace katabot::coordination;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace http = boost::beast::http;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

// Listens on loopback and never accepts: the kernel completes the TCP handshake anyway, and the
// request then waits forever, as on a stopped process.
struct HungMember {
  explicit HungMember(asio::io_context& io) : acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}) {}
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }
  tcp::acceptor acceptor;
};

// Answers every range with an empty result at revision 7.
struct AnsweringMember {
  explicit AnsweringMember(asio::io_context& io) : acceptor(io, {asio::ip::make_address("127.0.0.1"), 0}) {
    asio::co_spawn(io, serve(), asio::detached);
  }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(acceptor.local_endpoint().port()); }

  asio::awaitable<void> serve() {
    for (;;) {
      auto [error, socket] = co_await acceptor.async_accept(no_throw);
      if (error) co_return;
      boost::beast::flat_buffer buffer;
      http::request<http::string_body> request;
      if (const auto [read_error, read] = co_await http::async_read(socket, buffer, request, no_throw); read_error) continue;
      ++answered;
      http::response<http::string_body> response{http::status::ok, 11};
      response.body() = R"({"header":{"revision":"7"}})";
      response.prepare_payload();
      co_await http::async_write(socket, response, no_throw);
    }
  }
  tcp::acceptor acceptor;
  int answered = 0;
};

struct Timed {
  Outcome<RangeResult> outcome;
  Clock::duration took{};
};

// One range with `budget`, run until it returns (bounded: the io stops at 10 s regardless).
Timed timed_range(asio::io_context& io, EtcdClient& client, std::chrono::milliseconds budget) {
  Timed timed;
  bool done = false;
  const auto start = Clock::now();
  asio::co_spawn(io, client.range("/k", start + budget), [&](std::exception_ptr, Outcome<RangeResult> outcome) {
    timed = {std::move(outcome), Clock::now() - start};
    done = true;
    io.stop();
  });
  io.restart();
  io.run_for(10s);
  REQUIRE(done);
  return timed;
}

EtcdClientSettings settings(std::vector<std::string> endpoints, std::chrono::milliseconds request_timeout) {
  EtcdClientSettings settings;
  settings.endpoints = std::move(endpoints);
  settings.request_timeout = request_timeout;
  return settings;
}

// Timer wake-ups on a loaded 2-core CI machine (a sanitized build beside other tests). Small enough
// that each bound below still fails on the bug it guards: a hung member given the whole budget (1 s)
// or the request timeout (2 s) instead of its share.
constexpr auto slack = 300ms;

}  // namespace

TEST_CASE("an etcd call on a member that never answers returns by its deadline", "[etcd_client]") {
  asio::io_context io;
  HungMember hung(io);
  EtcdClient client(io.get_executor(), settings({hung.endpoint(), hung.endpoint()}, 2s));
  const auto timed = timed_range(io, client, 400ms);
  CHECK(timed.outcome.failure == Failure::unreachable);
  CHECK(timed.took >= 400ms);
  CHECK(timed.took <= 400ms + slack);
}

TEST_CASE("an etcd call moves on from a hung member within its budget, and the next call starts elsewhere",
          "[etcd_client]") {
  asio::io_context io;
  HungMember hung(io);
  AnsweringMember live(io);
  EtcdClient client(io.get_executor(), settings({hung.endpoint(), live.endpoint()}, 1s));

  const auto first = timed_range(io, client, 1s);
  INFO(first.outcome.detail);
  REQUIRE(first.outcome.value);
  CHECK(first.outcome.value->revision == 7);
  CHECK(first.took <= 500ms + slack);  // the hung member had half the budget, not all of it

  const auto second = timed_range(io, client, 1s);
  REQUIRE(second.outcome.value);
  CHECK(second.took < 400ms);  // straight to the member that answered: trying the hung one first takes 500 ms
  CHECK(live.answered == 2);
}
