// The message metadata that makes a Slack post findable, and reading conversations.history pages.
#include <catch2/catch.hpp>

#include "bot/slack/post_metadata.hpp"

using namespace katabot::slack;
using nlohmann::json;

TEST_CASE("slack metadata: the shape chat.postMessage takes", "[slack][metadata]") {
  CHECK(post_metadata(reminder_event_type, "ac@2026-12-03T13:00:00Z-15m slack:C1") ==
        json::parse(R"({"event_type":"katabot_reminder","event_payload":{"key":"ac@2026-12-03T13:00:00Z-15m slack:C1"}})"));
}

TEST_CASE("slack metadata: a history page request since a time, bounded, with metadata", "[slack][metadata]") {
  const auto since = std::chrono::system_clock::time_point{} + std::chrono::microseconds(1700000000000042);
  auto fields = history_request("C1", since, "");
  CHECK(fields["channel"] == "C1");
  CHECK(fields["oldest"] == "1700000000.000042");
  CHECK(fields["include_all_metadata"] == "true");
  CHECK(fields["limit"] == std::to_string(history_page_size));
  CHECK_FALSE(fields.contains("cursor"));
  CHECK(history_request("C1", since, "abc")["cursor"] == "abc");
}

TEST_CASE("slack metadata: a page is searched for our key only", "[slack][metadata]") {
  const auto page = json::parse(R"({"ok":true,"messages":[
      {"ts":"1.3","text":"someone typed the key k1"},
      {"ts":"1.2","metadata":{"event_type":"other_app","event_payload":{"key":"k1"}}},
      {"ts":"1.1","metadata":{"event_type":"katabot_reminder","event_payload":{"key":"k2"}}},
      {"ts":"1.0","metadata":"odd"}],
    "has_more":true,"response_metadata":{"next_cursor":"next"}})");
  const auto k1 = scan_history_page(page, "k1");
  CHECK_FALSE(k1.found);  // only our own metadata counts
  CHECK(k1.next_cursor == "next");
  CHECK(scan_history_page(page, "k2").found);
  CHECK_FALSE(scan_history_page(json::parse(R"({"ok":true,"messages":"no"})"), "k2").found);
  CHECK(scan_history_page(json::parse(R"({"ok":true,"messages":[]})"), "k2").next_cursor.empty());
  CHECK_FALSE(scan_history_page(json(nullptr), "k2").found);
}
