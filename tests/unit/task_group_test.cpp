// TaskGroup: children are cancelled and joined, nothing starts after cancel, a failure is counted,
// and join reports a deadline it could not meet.
#include <catch2/catch.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/task_group.hpp"

using namespace katabot;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// Sleeps `how_long` unless cancelled; says which happened.
asio::awaitable<void> sleeper(std::chrono::steady_clock::duration how_long, bool& cancelled) {
  asio::steady_timer timer(co_await asio::this_coro::executor, how_long);
  const auto [error] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  cancelled = error == asio::error::operation_aborted;
}

// A child that ignores the error code and keeps awaiting: the second wait throws once cancelled.
asio::awaitable<void> stubborn_sleeper() {
  asio::steady_timer timer(co_await asio::this_coro::executor, 1h);
  co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  timer.expires_after(1h);
  co_await timer.async_wait(asio::use_awaitable);
}

asio::awaitable<void> thrower() {
  co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
  throw std::runtime_error("boom");
}

// Runs `body` on a fresh io_context and returns how long the loop ran (steady clock).
template <typename Body>
std::chrono::steady_clock::duration run_with(Body body) {
  asio::io_context io;
  const auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, body(io), asio::detached);
  io.run_for(30s);  // bound only: every test ends by itself well before
  return std::chrono::steady_clock::now() - start;
}

}  // namespace

TEST_CASE("cancel ends every child and join returns true", "[task-group]") {
  bool first = false, second = false, joined = false;
  std::size_t failures = 99;
  const auto took = run_with([&](asio::io_context& io) -> asio::awaitable<void> {
    TaskGroup group(io.get_executor());
    group.spawn(sleeper(1h, first), "first");
    group.spawn(sleeper(1h, second), "second");
    group.spawn(stubborn_sleeper(), "stubborn");
    CHECK(group.running() == 3);
    co_await asio::post(io, asio::use_awaitable);
    group.cancel();
    joined = co_await group.join(std::chrono::steady_clock::now() + 10s);
    failures = group.failures();
    CHECK(group.running() == 0);
  });
  CHECK(joined);
  CHECK(first);
  CHECK(second);
  CHECK(failures == 0);  // the stubborn child's operation_aborted is how cancellation ends, not a failure
  CHECK(took < 10s);
}

TEST_CASE("join waits for children that end by themselves", "[task-group]") {
  bool cancelled = true, joined = false;
  run_with([&](asio::io_context& io) -> asio::awaitable<void> {
    TaskGroup group(io.get_executor());
    group.spawn(sleeper(5ms, cancelled), "short");
    joined = co_await group.join(std::chrono::steady_clock::now() + 10s);
  });
  CHECK(joined);
  CHECK_FALSE(cancelled);
}

TEST_CASE("join gives up at its deadline and says so", "[task-group]") {
  bool cancelled = false, joined = true;
  std::size_t still_running = 0;
  run_with([&](asio::io_context& io) -> asio::awaitable<void> {
    TaskGroup group(io.get_executor());
    group.spawn(sleeper(1h, cancelled), "long");
    joined = co_await group.join(std::chrono::steady_clock::now() + 10ms);
    still_running = group.running();
    group.cancel();
    co_await group.join(std::chrono::steady_clock::now() + 10s);
  });
  CHECK_FALSE(joined);
  CHECK(still_running == 1);
  CHECK(cancelled);
}

TEST_CASE("a cancelled group takes no new work", "[task-group]") {
  bool started = false, accepted = true;
  run_with([&](asio::io_context& io) -> asio::awaitable<void> {
    TaskGroup group(io.get_executor());
    group.cancel();
    accepted = group.spawn(
        [&]() -> asio::awaitable<void> {
          started = true;
          co_return;
        }(),
        "late");
    co_await group.join(std::chrono::steady_clock::now() + 1s);
  });
  CHECK_FALSE(accepted);
  CHECK_FALSE(started);
}

TEST_CASE("an exception escaping a child is counted, the others go on", "[task-group]") {
  bool other_cancelled = false;
  std::size_t failures = 0;
  run_with([&](asio::io_context& io) -> asio::awaitable<void> {
    TaskGroup group(io.get_executor());
    group.spawn(thrower(), "thrower");
    group.spawn(sleeper(20ms, other_cancelled), "sleeper");
    co_await group.join(std::chrono::steady_clock::now() + 10s);
    failures = group.failures();
  });
  CHECK(failures == 1);
  CHECK_FALSE(other_cancelled);
}
