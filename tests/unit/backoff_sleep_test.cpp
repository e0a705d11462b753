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

// sleep_with_backoff started as a task and run up to its wait.
struct StartedSleep {
  StartedSleep(std::chrono::milliseconds backoff_delay, std::chrono::milliseconds at_least)
      : backoff(backoff_delay, backoff_delay, 1) {
    group.spawn(backoff_and_tell(timer, backoff, at_least, slept), "sleeper");
    io.run_one();
  }
  // Runs what is left; returns as soon as nothing is (the bound only guards a broken sleep).
  std::optional<bool> finish() {
    io.run_for(10s);
    return slept;
  }

  asio::io_context io;
  asio::steady_timer timer{io};
  TaskGroup group{io.get_executor()};
  Backoff backoff;
  std::optional<bool> slept;
};

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
  StartedSleep sleep(1h, 0ms);
  REQUIRE_FALSE(sleep.slept);
  sleep.timer.cancel();
  CHECK(sleep.finish() == false);
}

TEST_CASE("a retry sleep ends at once, saying so, when its task is cancelled", "[backoff]") {
  // at_least: a ban or a Retry-After lengthens the wait beyond the backoff's own delay.
  StartedSleep sleep(1ms, 1h);
  REQUIRE_FALSE(sleep.slept);
  CHECK(sleep.timer.expiry() - std::chrono::steady_clock::now() > 30min);
  sleep.group.cancel();
  CHECK(sleep.finish() == false);
  CHECK(sleep.group.failures() == 0);
}
