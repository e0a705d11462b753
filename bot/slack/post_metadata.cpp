#include "bot/slack/post_metadata.hpp"

#include "bot/slack/json_fields.hpp"

namespace katabot::slack {

nlohmann::json post_metadata(std::string_view event_type, const std::string& key) {
  return {{"event_type", event_type}, {"event_payload", {{"key", key}}}};
}

nlohmann::json history_request(const std::string& channel, std::chrono::system_clock::time_point since,
                               const std::string& cursor) {
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(since.time_since_epoch()).count();
  auto fraction = std::to_string(micros % 1000000);
  fraction.insert(0, 6 - fraction.size(), '0');
  nlohmann::json fields = {{"channel", channel},
                           {"oldest", std::to_string(micros / 1000000) + "." + fraction},
                           {"inclusive", "true"},
                           {"include_all_metadata", "true"},
                           {"limit", std::to_string(history_page_size)}};
  if (!cursor.empty()) fields["cursor"] = cursor;
  return fields;
}

HistoryPage scan_history_page(const nlohmann::json& body, const std::string& key) {
  HistoryPage page;
  if (!body.is_object()) return page;
  if (const auto messages = body.find("messages"); messages != body.end() && messages->is_array()) {
    for (const auto& message : *messages) {
      const auto* metadata = object_field(message, "metadata");
      const auto* payload = metadata != nullptr ? object_field(*metadata, "event_payload") : nullptr;
      if (payload != nullptr && string_field(*payload, "key") == key &&
          string_field(*metadata, "event_type").starts_with("katabot_")) {
        page.found = true;
        return page;
      }
    }
  }
  if (const auto* more = object_field(body, "response_metadata")) page.next_cursor = string_field(*more, "next_cursor");
  return page;
}

}  // namespace katabot::slack
