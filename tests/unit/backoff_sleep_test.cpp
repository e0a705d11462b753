// The retry sleep of IRC's reconnect loop and the Web API's retries: a cancelled wait says so, so
// that no loop tries again during shutdown.
#include <catch2/catch.hpp>

#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/backoff_sleep.hpp"
#include "bot/task_group.hpp"

using namespace katabot;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

asio::awaitable<void> sleep_and_tell(asio::steady_timer& timer, std::chrono::milliseconds delay, std::optional<bool>& slept) {
  slept = co_await sleep_cancellable(timer, delay);
}

asio::awaitable<void> backoff_and_tell(asio::steady_timer& timer, Backoff& backoff, std::chrono::milliseconds at_least,
                                       std::optional<bool>& slept) {
  slept = co_await sleep_with_backoff(timer, backoff, "test: retrying", at_least);
}

}  // namespace

TEST_CASE("a retry sleep that runs out says so", "[backoff]") {
  asio::io_context io;
  asio::steady_timer timer(io);
  std::optional<bool> slept;
  TaskGroup group(io.get_executor());
  group.spawn(sleep_and_tell(timer, 0ms, slept), "sleeper");
  io.run();
  CHECK(slept == true);
}

TEST_CASE("a retry sleep ends at once, saying so, when its timer is cancelled (stop)", "[backoff]") {
  asio::io_context io;
  asio::steady_timer timer(io);
  std::optional<bool> slept;
  TaskGroup group(io.get_executor());
  Backoff backoff(1h, 1h, 1);
  group.spawn(backoff_and_tell(timer, backoff, 0ms, slept), "sleeper");
  io.run_one();  // the sleep has started
  REQUIRE_FALSE(slept);
  timer.cancel();
  io.run_for(10s);  // returns as soon as nothing is left to run
  CHECK(slept == false);
}

TEST_CASE("a retry sleep ends at once, saying so, when its task is cancelled", "[backoff]") {
  asio::io_context io;
  asio::steady_timer timer(io);
  std::optional<bool> slept;
  TaskGroup group(io.get_executor());
  Backoff backoff(1ms, 1ms, 1);
  // at_least: a ban or a Retry-After lengthens the wait beyond the backoff's own delay.
  group.spawn(backoff_and_tell(timer, backoff, 1h, slept), "sleeper");
  io.run_one();
  REQUIRE_FALSE(slept);
  CHECK(timer.expiry() - std::chrono::steady_clock::now() > 30min);
  group.cancel();
  io.run_for(10s);
  CHECK(slept == false);
  CHECK(group.failures() == 0);
}
