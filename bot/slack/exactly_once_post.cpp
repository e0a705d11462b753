#include "bot/slack/exactly_once_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/slack/post_metadata.hpp"

namespace katabot::slack {

namespace asio = boost::asio;

namespace {

// Posts tried per call: the first and two more after ambiguous failures that the history
// showed had not posted.
constexpr int max_tries = 3;
// Slack's timestamps come from its clock, not ours.
constexpr auto clock_skew = std::chrono::minutes(5);

}  // namespace

asio::awaitable<PostLookup> find_post(WebApiClient& api, const std::string& token, const std::string& channel,
                                     const std::string& key, std::chrono::system_clock::time_point since) {
  std::string cursor;
  for (int page = 0; page < max_history_pages; ++page) {
    const auto result =
        co_await api.call("conversations.history", token, history_request(channel, since, cursor), Retries::on,
                          Encoding::form);
    if (!result.ok) co_return PostLookup::unknown;  // logged by the client, with a hint for missing_scope
    const auto scanned = scan_history_page(result.body, key);
    if (scanned.found) co_return PostLookup::found;
    if (scanned.next_cursor.empty()) co_return PostLookup::absent;
    cursor = scanned.next_cursor;
  }
  spdlog::warn("slack: {}: more than {} messages since the post window opened; assuming it is not there", channel,
               max_history_pages * history_page_size);
  co_return PostLookup::absent;
}

asio::awaitable<OncePostResult> post_once(WebApiClient& api, const std::string& token, nlohmann::json message,
                                         OncePost post) {
  const auto channel = message.value("channel", std::string());
  message["metadata"] = post_metadata(post.event_type, post.key);
  Backoff backoff(std::chrono::milliseconds(250), std::chrono::seconds(8));
  bool look = post.must_look_first;
  std::string last_error = post.must_look_first ? "an earlier try ended ambiguously" : "";
  for (int tries = 0;; ++tries) {
    if (look) {
      const auto lookup = co_await find_post(api, token, channel, post.key, post.since);
      if (lookup == PostLookup::found) {
        spdlog::info("slack: {} is already in {}: not posting it again", post.key, channel);
        co_return OncePostResult{PostOutcome::delivered()};
      }
      if (lookup == PostLookup::unknown) {
        co_return OncePostResult{
            PostOutcome::failed("may have posted (" + last_error + ") and the history cannot tell; not repeating it"),
            true};
      }
    }
    if (tries == max_tries) break;
    const auto started = std::chrono::system_clock::now();
    const auto result = co_await api.post_message(token, message, post.may_send);
    if (result.ok) co_return OncePostResult{PostOutcome::delivered()};
    if (result.retry_after) co_return OncePostResult{PostOutcome::retry_later(*result.retry_after, result.error)};
    if (!result.ambiguous) co_return OncePostResult{PostOutcome::failed(result.error)};
    spdlog::warn("slack: chat.postMessage to {} may have posted ({}); looking before trying again", channel,
                 result.error);
    last_error = result.error;
    look = true;
    post.since = post.since == std::chrono::system_clock::time_point{} ? started - clock_skew
                                                                        : std::min(post.since, started - clock_skew);
    const auto executor = co_await asio::this_coro::executor;
    asio::steady_timer timer(executor, backoff.next());
    co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
  }
  co_return OncePostResult{PostOutcome::failed("may have posted (" + last_error + "); gave up after " +
                                               std::to_string(max_tries) + " tries"),
                           true};
}

}  // namespace katabot::slack
