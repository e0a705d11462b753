// What reaches Slack from a Reply: user text never becomes a mention, a link or formatting.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "bot/render.hpp"
#include "bot/router.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

constexpr const char* hostile_text =
    "next <!channel> <!here> <!everyone> <!subteam^S1> <@U0123|boss> <#C9|general> <https://evil.example|click> & co";

// No control sequence of the kinds Slack acts on, anywhere in the message.
void check_disarmed(const std::string& slack_text) {
  CAPTURE(slack_text);
  for (const auto* sequence : {"<!", "<@", "<#", "<https://evil"}) CHECK(slack_text.find(sequence) == std::string::npos);
}

std::string section_text(const nlohmann::json& message) {
  return message["blocks"][0]["text"]["text"].get<std::string>();
}

}  // namespace

TEST_CASE("the Slack fallback text is escaped like the blocks", "[slack][render]") {
  Reply reply;
  reply.text = hostile_text;
  const auto message = render_slack_message(reply);
  const auto text = message["text"].get<std::string>();
  check_disarmed(text);
  CHECK(text ==
        "next &lt;!channel&gt; &lt;!here&gt; &lt;!everyone&gt; &lt;!subteam^S1&gt; &lt;@U0123|boss&gt; "
        "&lt;#C9|general&gt; &lt;https://evil.example|click&gt; &amp; co");
  CHECK(section_text(message) == text);
  check_disarmed(render_slack_mrkdwn(reply));
}

TEST_CASE("the Slack fallback text carries the source link escaped", "[slack][render]") {
  Reply reply;
  reply.text = "Agenda";
  reply.links = {{"Agenda", "https://example.org/p?a=1&b=2"}};
  CHECK(render_slack_message(reply)["text"] == "Agenda https://example.org/p?a=1&amp;b=2");
}

TEST_CASE("a mention left in a handler's mrkdwn is shown, not sent, and links stay links", "[slack][render]") {
  Reply reply;
  reply.text = "hello";
  reply.mrkdwn = "*Hi* <!channel> <@U1> <#C2> see <https://katacontainers.io|Kata> <!here";
  const auto expected = "*Hi* &lt;!channel&gt; &lt;@U1&gt; <#C2> see <https://katacontainers.io|Kata> &lt;!here";
  CHECK(section_text(render_slack_message(reply)) == expected);
  CHECK(render_slack_mrkdwn(reply) == expected);
}

TEST_CASE("a word the user typed is quoted so mrkdwn cannot format or break out of it", "[slack][render]") {
  CHECK(quote_mrkdwn("*loud*_slanted_~struck~") == "`*loud*_slanted_~struck~`");
  CHECK(quote_mrkdwn("a`b\nc\rd<!here>&") == "`a'b c d&lt;!here&gt;&amp;`");
}

TEST_CASE("hostile words through the real router reach Slack disarmed, and only a plain word is quoted", "[slack][render]") {
  CommandRegistry registry;
  ManualClock clock{test::at_utc(2026, 11, 27, 12)};
  Metrics metrics;
  const auto knowledge = test::project_knowledge();
  Router router{RouterSettings{}, registry, [&] { return knowledge; }, clock, metrics};
  // What each answer must not contain: the words are never echoed (may_echo takes only one plain token).
  const std::vector<std::pair<std::string, std::string>> hostile = {
      {"next <!channel>", "channel"},          // an unknown time zone
      {"meetings <@U0123|boss>", "U0123"},     // the same in meetings
      {"<!everyone>", "!everyone"},            // an unknown command
      {"help <https://evil.example|click>", "evil.example"},
      {"*loud*_slanted_~struck~", "loud"},
  };
  int asker = 0;
  const auto ask = [&](const std::string& text) {
    Inbound inbound;
    inbound.platform = Platform::slack;
    inbound.kind = InboundKind::slash_command;
    inbound.channel = "C1";
    inbound.user_id = "U" + std::to_string(++asker);  // one each: no rate limit in the way
    inbound.text = text;
    const auto reply = router.route(inbound);
    REQUIRE(reply);
    return render_slack_message(*reply);
  };
  for (const auto& [text, absent] : hostile) {
    CAPTURE(text);
    const auto message = ask(text);
    check_disarmed(message.dump());
    CHECK(message.dump().find(absent) == std::string::npos);
  }
  CHECK(section_text(ask("nosuch_word")).find("`nosuch_word`") != std::string::npos);
}
