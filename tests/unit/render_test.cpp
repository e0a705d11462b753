#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "bot/render.hpp"

using namespace katabot;

namespace {

Reply conduct_reply() {
  Reply reply;
  reply.text = "Code of Conduct: be kind.";
  reply.mrkdwn = "*Code of Conduct*\nBe kind.";
  reply.links = {{"OpenInfra Code of Conduct", "https://openinfra.dev/legal/code-of-conduct"},
                 {"Report | contact", "https://example.org/report"}};
  return reply;
}

}  // namespace

TEST_CASE("IRC lines carry the source link", "[render]") {
  CHECK(render_irc_lines(conduct_reply()) ==
        std::vector<std::string>{"Code of Conduct: be kind. — https://openinfra.dev/legal/code-of-conduct"});
  Reply multi;
  multi.text = "one\n\ntwo";
  CHECK(render_irc_lines(multi) == std::vector<std::string>{"one", "two"});
}

TEST_CASE("Slack messages have a section, links as <url|title> and fallback text", "[render]") {
  const auto message = render_slack_message(conduct_reply());
  CHECK(message["text"] == "Code of Conduct: be kind. https://openinfra.dev/legal/code-of-conduct");
  CHECK(message["blocks"][0]["type"] == "section");
  CHECK(message["blocks"][0]["text"]["type"] == "mrkdwn");
  CHECK(message["blocks"][0]["text"]["text"] == "*Code of Conduct*\nBe kind.");
  CHECK(message["blocks"][1]["elements"][0]["text"] == "<https://openinfra.dev/legal/code-of-conduct|OpenInfra Code of Conduct>");
  // '|' would end the link title early.
  CHECK(message["blocks"][1]["elements"][1]["text"] == "<https://example.org/report|Report   contact>");
}

TEST_CASE("plain text becomes escaped mrkdwn", "[render]") {
  Reply reply;
  reply.text = "a <b> & c";
  CHECK(render_slack_mrkdwn(reply) == "a &lt;b&gt; &amp; c");
  CHECK(escape_mrkdwn("<@U123> & <!here>") == "&lt;@U123&gt; &amp; &lt;!here&gt;");
}
