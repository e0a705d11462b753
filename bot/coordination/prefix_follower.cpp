#include "bot/coordination/prefix_follower.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/multiple_exceptions.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/backoff.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::seconds watch_idle{60};
constexpr std::chrono::seconds watch_backoff_cap{30};

}  // namespace

struct PrefixFollower::Timers {
  Timers(const asio::any_io_executor& executor, std::chrono::milliseconds poll_period)
      : watch_backoff(poll_period / 10, watch_backoff_cap), poll_wake(executor), watch_pause(executor) {}
  Backoff watch_backoff;
  asio::steady_timer poll_wake;
  asio::steady_timer watch_pause;
};

PrefixFollower::PrefixFollower(asio::any_io_executor executor, EtcdClient& client, std::string prefix,
                               std::chrono::milliseconds poll_period)
    : client_(client), prefix_(std::move(prefix)), poll_period_(poll_period), timers_(std::make_unique<Timers>(executor, poll_period)) {}

PrefixFollower::~PrefixFollower() = default;

asio::awaitable<void> PrefixFollower::run(Load load, IsHint is_hint, NextPoll next_poll) {
  using namespace asio::experimental::awaitable_operators;
  std::exception_ptr ended;
  try {
    co_await (poll(std::move(load), std::move(next_poll)) && watch(std::move(is_hint)));
  } catch (const asio::multiple_exceptions& both) {
    // Cancelled, both loops end with operation_aborted: pass one on, as a cancelled task says it stopped.
    ended = both.first_exception();
  }
  if (ended) std::rethrow_exception(ended);
}

void PrefixFollower::load_now() { timers_->poll_wake.cancel(); }

void PrefixFollower::stop() {
  stopped_ = true;
  timers_->poll_wake.cancel();
  timers_->watch_pause.cancel();
  client_.cancel_watch(prefix_);
}

asio::awaitable<void> PrefixFollower::poll(Load load, NextPoll next_poll) {
  while (!stopped_) {
    co_await load();
    if (stopped_) break;
    timers_->poll_wake.expires_after(next_poll ? next_poll() : poll_period_);
    co_await timers_->poll_wake.async_wait(no_throw);
  }
}

asio::awaitable<void> PrefixFollower::watch(IsHint is_hint) {
  const auto on_message = [this, &is_hint](const WatchMessage& message) {
    if (message.created) timers_->watch_backoff.reset();
    if (is_hint(message)) load_now();  // the load is what counts
  };
  while (!stopped_) {
    const auto opened = Clock::now();
    const auto failure = co_await client_.watch_prefix(prefix_, on_message, watch_idle);
    if (stopped_) break;
    if (failure == Failure::none && Clock::now() - opened >= std::chrono::seconds(1)) continue;
    timers_->watch_pause.expires_after(timers_->watch_backoff.next());
    co_await timers_->watch_pause.async_wait(no_throw);
  }
}

}  // namespace katabot::coordination
