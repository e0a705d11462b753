// Who the bot answers to on IRC: the nick it has now (after a fallback too), and irc.nick defaulting
// to bot.name.
#include <catch2/catch.hpp>

#include "bot/config.hpp"
#include "bot/router.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

struct Addressing {
  CommandRegistry registry;
  ManualClock clock{test::at_utc(2026, 11, 27, 12)};
  Metrics metrics;
  Router router{RouterSettings{}, registry, [] { return test::project_knowledge(); }, clock, metrics};

  std::optional<Reply> say(std::string text, std::string bot_nick, std::string user) {
    Inbound inbound;
    inbound.platform = Platform::irc;
    inbound.kind = InboundKind::channel_line;
    inbound.channel = "#kata-dev";
    inbound.user_id = inbound.user_name = std::move(user);
    inbound.text = std::move(text);
    inbound.bot_nick = std::move(bot_nick);
    return router.route(inbound);
  }
};

}  // namespace

TEST_CASE_METHOD(Addressing, "irc: the bot answers to the nick it has after falling back", "[irc][router]") {
  const auto answer = say("katabot_: help", "katabot_", "alice");
  REQUIRE(answer);
  CHECK(answer->text.starts_with("Commands:"));
  CHECK(say("KataBot_, help", "katabot_", "bob"));
  // Whoever holds "katabot" now is someone else: their name is not ours.
  CHECK_FALSE(say("katabot: help", "katabot_", "carol"));
  // Outside IRC (no current nick) bot.name is the address.
  CHECK(say("katabot: help", "", "dave"));
}

TEST_CASE("irc.nick defaults to bot.name", "[irc][config]") {
  Diagnostics diagnostics;
  const auto config = parse_config("bot:\n  name: kbot\nirc:\n  enabled: true\n  host: 127.0.0.1\n  channels: [\"#kata-dev\"]\n",
                                   "katabot.yaml", [](const std::string&) { return std::nullopt; }, diagnostics,
                                   ConfigUse::offline);
  INFO(diagnostics.size());
  REQUIRE(config);
  CHECK(config->irc.nick == "kbot");
}
