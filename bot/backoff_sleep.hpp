#pragma once
// The one way a retry loop waits (IRC's reconnects, the Web API's retries): on a timer the owner's
// stop() may cancel, and ending at once when the task itself is cancelled, so that no loop tries
// again during shutdown. Asio: include it from drivers' .cpp files only.
#include <chrono>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/backoff.hpp"

namespace katabot {

// Waits `delay`; false when the wait was cancelled (the timer by stop(), or the calling task).
boost::asio::awaitable<bool> sleep_cancellable(boost::asio::steady_timer& timer, std::chrono::milliseconds delay);

// Logs "`what` in N ms" and waits the backoff's next delay, never less than `at_least` (a ban, a
// Retry-After); false when cancelled: the loop must end rather than try again.
boost::asio::awaitable<bool> sleep_with_backoff(boost::asio::steady_timer& timer, Backoff& backoff, std::string_view what,
                                                std::chrono::milliseconds at_least = std::chrono::milliseconds::zero());

}  // namespace katabot
