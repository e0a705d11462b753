#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "bot/irc/irc_message.hpp"
#include "bot/render.hpp"
#include "bot/scheduler/reminder_text.hpp"
#include "handlers/meetings_handler.hpp"
#include "knowledge/utf8_cut.hpp"
#include "router_harness.hpp"

using namespace katabot;
// The IRC parser's checker (RFC 3629: no overlong forms, no surrogates), independent of the cutting code.
using katabot::irc::is_valid_utf8;

namespace {

// Texts longer than `limit` whose code points of 2, 3 or 4 bytes ("é", "€", "😀") straddle every
// byte offset near `limit` and near `limit` minus a 3-byte "…" marker.
std::vector<std::string> straddling(std::size_t limit) {
  std::vector<std::string> texts;
  for (const std::string_view wide : {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80"}) {
    for (std::size_t padding = limit - 10; padding <= limit; ++padding) {
      auto text = std::string(padding, 'a');
      for (int i = 0; i < 6; ++i) text += wide;
      texts.push_back(std::move(text));
    }
  }
  return texts;
}

std::shared_ptr<const KnowledgeBase> no_knowledge() {
  return std::make_shared<const KnowledgeBase>(std::vector<Topic>{}, std::vector<Meeting>{});
}

}  // namespace

TEST_CASE("truncate_utf8 keeps the longest whole-code-point prefix that fits with its marker", "[utf8]") {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80z";  // a é € 😀 z: 1+2+3+4+1 bytes
  CHECK(truncate_utf8(text, 11) == text);
  CHECK(truncate_utf8(text, 100, "\xE2\x80\xA6") == text);
  CHECK(truncate_utf8(text, 10) == "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80");
  CHECK(truncate_utf8(text, 9) == "a\xC3\xA9\xE2\x82\xAC");
  CHECK(truncate_utf8(text, 6) == "a\xC3\xA9\xE2\x82\xAC");
  CHECK(truncate_utf8(text, 5) == "a\xC3\xA9");
  CHECK(truncate_utf8(text, 2) == "a");
  CHECK(truncate_utf8(text, 0).empty());
  CHECK(truncate_utf8(text, 9, "\xE2\x80\xA6") == "a\xC3\xA9\xE2\x82\xAC\xE2\x80\xA6");
  CHECK(truncate_utf8(text, 8, "\xE2\x80\xA6") == "a\xC3\xA9\xE2\x80\xA6");
  CHECK(truncate_utf8(text, 2, "\xE2\x80\xA6") == "a");  // no room for the marker

  for (std::size_t limit = 0; limit <= text.size(); ++limit) {
    INFO("limit " << limit);
    const auto cut = truncate_utf8(text, limit);
    CHECK(cut.size() <= limit);
    CHECK(is_valid_utf8(cut));
    CHECK(text.starts_with(cut));
  }
}

TEST_CASE("first_code_points counts code points, not bytes", "[utf8]") {
  const std::string text = "a\xC3\xA9\xE2\x82\xAC\xF0\x9F\x98\x80";
  CHECK(first_code_points(text, 0).empty());
  CHECK(first_code_points(text, 1) == "a");
  CHECK(first_code_points(text, 2) == "a\xC3\xA9");
  CHECK(first_code_points(text, 3) == "a\xC3\xA9\xE2\x82\xAC");
  CHECK(first_code_points(text, 4) == text);
  CHECK(first_code_points(text, 5) == text);
}

TEST_CASE("the router's answer to an unknown multi-byte word is valid UTF-8", "[utf8][router]") {
  test::RouterHarness harness(no_knowledge());
  for (const auto& word : straddling(40)) {
    INFO(word);
    const auto irc = harness.irc("!" + word);
    REQUIRE(irc);
    CHECK(is_valid_utf8(irc->text));
    CHECK(irc->text.starts_with("I don't know that word."));
    const auto slack = harness.say(Platform::slack, InboundKind::slash_command, word);
    REQUIRE(slack);
    CHECK(is_valid_utf8(slack->text));
    CHECK(is_valid_utf8(slack->mrkdwn));
  }
}

TEST_CASE("help for an unknown multi-byte command is valid UTF-8", "[utf8][help]") {
  const CommandRegistry registry;
  const ManualClock clock{test::at_utc(2026, 11, 27, 12)};
  const auto knowledge = no_knowledge();
  for (const auto& word : straddling(40)) {
    INFO(word);
    const auto reply = registry.find("help")->handler(Request{"help", word, "!", ""}, *knowledge, clock);
    CHECK(reply.text.starts_with("There is no"));
    CHECK(is_valid_utf8(reply.text));
    CHECK(is_valid_utf8(reply.mrkdwn));
  }
}

TEST_CASE("the answer to an unknown multi-byte time zone is valid UTF-8", "[utf8][meetings]") {
  const ManualClock clock{test::at_utc(2026, 11, 27, 12)};
  const KnowledgeBase knowledge({}, {test::architecture_committee()});
  for (const auto& zone : straddling(64)) {
    INFO(zone);
    for (const auto& reply : {meetings_reply(Request{"meetings", zone, "!", ""}, knowledge, clock),
                              next_meeting_reply(Request{"next", zone, "!", ""}, knowledge, clock)}) {
      CHECK(reply.text.find("Architecture Committee") != std::string::npos);
      CHECK(is_valid_utf8(reply.text));
      CHECK(is_valid_utf8(reply.mrkdwn));
    }
  }
}

TEST_CASE("a Slack section longer than 3000 bytes is cut on a code point boundary", "[utf8][render]") {
  for (const auto& body : straddling(3000)) {
    Reply rich;
    rich.text = "short";
    rich.mrkdwn = body;
    Reply plain;
    plain.text = body;
    for (const auto& reply : {rich, plain}) {
      const auto section = render_slack_message(reply)["blocks"][0]["text"]["text"].get<std::string>();
      CHECK(section.size() <= 3000);
      CHECK(is_valid_utf8(section));
    }
  }
}

TEST_CASE("a long meeting title in a reminder is cut on a code point boundary", "[utf8][reminder]") {
  const auto start = std::chrono::floor<std::chrono::seconds>(test::at_utc(2026, 12, 3, 13));
  for (const auto& title : straddling(100)) {
    auto meeting = test::architecture_committee();
    meeting.title = title;
    const auto reply = reminder_reply(meeting, start, start - std::chrono::minutes(15), false);
    CHECK(is_valid_utf8(reply.text));
    CHECK(is_valid_utf8(reply.mrkdwn));
  }
}

TEST_CASE("only the head of a message is routed, counted in code points", "[utf8][router]") {
  Topic conduct{"conduct", "Code of Conduct", {}, {"code of conduct"}, "Be kind.", "", {}};
  test::RouterHarness harness(std::make_shared<const KnowledgeBase>(std::vector<Topic>{conduct}, std::vector<Meeting>{}));
  const auto limit = harness.settings.max_routed_code_points;
  const std::string emoji = "\xF0\x9F\x98\x80";
  std::string head;
  for (std::size_t i = 0; i + 20 < limit; ++i) head += emoji;
  // 4 bytes a code point: within the cap in code points, far past it in bytes.
  CHECK(harness.irc(head + " code of conduct"));
  harness.clock.advance(std::chrono::hours(1));
  CHECK_FALSE(harness.irc(head + std::string(40, ' ') + "code of conduct"));
}
