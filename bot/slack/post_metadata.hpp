#pragma once
// Slack message metadata that makes a post findable again: every chat.postMessage the bot makes
// carries {"event_type": …, "event_payload": {"key": …}}, and after an ambiguous failure (or a
// crash between a reminder's post and its ledger record) conversations.history with
// include_all_metadata tells whether the post is already there. No I/O here.
#include <chrono>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace katabot::slack {

inline constexpr std::string_view reminder_event_type = "katabot_reminder";
inline constexpr std::string_view answer_event_type = "katabot_answer";
// Bounds for one look into a channel's history.
inline constexpr int history_page_size = 200;
inline constexpr int max_history_pages = 5;

nlohmann::json post_metadata(std::string_view event_type, const std::string& key);

// The form fields of one conversations.history page of `channel` since `since`.
nlohmann::json history_request(const std::string& channel, std::chrono::system_clock::time_point since,
                               const std::string& cursor);

struct HistoryPage {
  bool found = false;       // a message on this page carries metadata with `key`
  std::string next_cursor;  // empty: no further page
};
HistoryPage scan_history_page(const nlohmann::json& body, const std::string& key);

}  // namespace katabot::slack
