#pragma once
// chat.postMessage at most once per key, and delivered once whenever Slack lets us find out.
// The message carries the key as metadata (post_metadata.hpp). An ambiguous failure (no answer
// after the request went out, 5xx, fatal_error…) is never simply repeated: the channel's history
// is read first, and the post is reported delivered when it is there. Slack-internal: only the
// driver includes this.
#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "bot/post_outcome.hpp"
#include "bot/slack/web_api_client.hpp"

namespace katabot::slack {

enum class PostLookup { found, absent, unknown };

// Reads at most max_history_pages pages of `channel` since `since` for a message with `key`.
boost::asio::awaitable<PostLookup> find_post(WebApiClient& api, const std::string& token, const std::string& channel,
                                             const std::string& key, std::chrono::system_clock::time_point since);

struct OncePost {
  std::string_view event_type;  // reminder_event_type, answer_event_type
  std::string key;
  // Look before the first try and post only when the look says absent (an earlier try of this key
  // ended ambiguously).
  bool must_look_first = false;
  // Where the look starts; left empty, a little before the first try.
  std::chrono::system_clock::time_point since;
  // Reply::may_send: asked right before each chat.postMessage is written.
  std::function<bool()> may_send;
};

// The outcome; `ambiguous` is set when it is failed because Slack may or may not have posted.
struct OncePostResult {
  PostOutcome outcome;
  bool ambiguous = false;
};

boost::asio::awaitable<OncePostResult> post_once(WebApiClient& api, const std::string& token, nlohmann::json message,
                                                 OncePost post);

}  // namespace katabot::slack
