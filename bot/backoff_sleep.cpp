#include "bot/backoff_sleep.hpp"

#include <algorithm>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

namespace katabot {

namespace asio = boost::asio;

asio::awaitable<bool> sleep_cancellable(asio::steady_timer& timer, std::chrono::milliseconds delay) {
  timer.expires_after(delay);
  const auto [error] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  const auto own = co_await asio::this_coro::cancellation_state;
  co_return !error && own.cancelled() == asio::cancellation_type::none;
}

asio::awaitable<bool> sleep_with_backoff(asio::steady_timer& timer, Backoff& backoff, std::string_view what,
                                         std::chrono::milliseconds at_least) {
  const auto delay = std::max(backoff.next(), at_least);
  spdlog::info("{} in {} ms", what, delay.count());
  co_return co_await sleep_cancellable(timer, delay);
}

}  // namespace katabot
