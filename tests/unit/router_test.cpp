#include <catch2/catch.hpp>

#include "bot/router.hpp"
#include "test_support.hpp"

using namespace katabot;
using namespace std::chrono_literals;

namespace {

std::shared_ptr<const KnowledgeBase> small_knowledge() {
  Topic conduct{"conduct", "Code of Conduct", {"coc"}, {"code of conduct", "harassment"}, "Be kind.", "*Be kind.*",
                {{"CoC", "https://openinfra.dev/legal/code-of-conduct"}}};
  Topic security{"security", "Reporting vulnerabilities", {"vulnerability"}, {"security bug", "cve"},
                 "Report privately on GitHub.", "", {{"Security", "https://github.com/kata-containers/kata-containers/security"}}};
  auto ac = test::architecture_committee();
  ac.keywords = {"when is the meeting"};
  return std::make_shared<const KnowledgeBase>(std::vector<Topic>{conduct, security}, std::vector<Meeting>{ac});
}

struct RouterFixture {
  CommandRegistry registry;
  ManualClock clock{test::at_utc(2026, 11, 27, 12)};
  Metrics metrics;
  std::shared_ptr<const KnowledgeBase> knowledge = small_knowledge();
  RouterSettings settings = [] {
    RouterSettings s;
    s.admins.slack_users = {"UADMIN"};
    s.admins.irc_accounts = {"opsaccount"};
    return s;
  }();
  Router router{settings, registry, [this] { return knowledge; }, clock, metrics};

  std::optional<Reply> say(Platform platform, InboundKind kind, std::string text, std::string user = "alice",
                           std::string channel = "#kata-dev") {
    Inbound inbound;
    inbound.platform = platform;
    inbound.kind = kind;
    inbound.text = std::move(text);
    inbound.user_id = std::move(user);
    inbound.channel = std::move(channel);
    return router.route(inbound);
  }
  std::optional<Reply> irc(std::string text, std::string user = "alice") {
    return say(Platform::irc, InboundKind::channel_line, std::move(text), std::move(user));
  }
};

bool is_conduct(const std::optional<Reply>& reply) {
  return reply && !reply->links.empty() && reply->links[0].url == "https://openinfra.dev/legal/code-of-conduct";
}

}  // namespace

TEST_CASE_METHOD(RouterFixture, "every command form reaches the topic", "[router]") {
  CHECK(is_conduct(say(Platform::slack, InboundKind::slash_command, "conduct", "U1")));
  CHECK(is_conduct(say(Platform::slack, InboundKind::slash_command, "  CONDUCT  ", "U2")));
  CHECK(is_conduct(irc("!conduct", "n1")));
  CHECK(is_conduct(irc("!coc", "n2")));
  CHECK(is_conduct(irc("katabot: conduct", "n3")));
  CHECK(is_conduct(irc("KataBot, conduct", "n4")));
  CHECK(is_conduct(irc("@katabot: conduct?", "n5")));
  CHECK(is_conduct(say(Platform::irc, InboundKind::direct_message, "conduct", "n6", "n6")));
  CHECK(is_conduct(say(Platform::irc, InboundKind::direct_message, "!conduct", "n7", "n7")));
  CHECK(is_conduct(say(Platform::slack, InboundKind::direct_message, "conduct", "U3", "D1")));
  CHECK(is_conduct(say(Platform::slack, InboundKind::mention, "conduct", "U4", "C1")));
}

TEST_CASE_METHOD(RouterFixture, "lines not for the bot get no answer", "[router]") {
  CHECK_FALSE(irc("I pushed a fix for the CI flake"));
  CHECK_FALSE(irc("! not a command"));
  CHECK_FALSE(irc("katabotics is a word"));
  CHECK_FALSE(irc("!"));
}

TEST_CASE_METHOD(RouterFixture, "free text addressed to the bot finds the best topic", "[router]") {
  const auto reply = irc("katabot: how do I report a security bug?");
  REQUIRE(reply);
  CHECK(reply->links.at(0).url == "https://github.com/kata-containers/kata-containers/security");
  const auto meeting = say(Platform::slack, InboundKind::mention, "when is the meeting?", "U1", "C1");
  REQUIRE(meeting);
  CHECK(meeting->text.find("Architecture Committee") != std::string::npos);
  CHECK(meeting->links.at(0).url == "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs");
  CHECK(is_conduct(say(Platform::slack, InboundKind::slash_command, "where is the code of conduct")));
}

TEST_CASE_METHOD(RouterFixture, "an unknown word gets did-you-mean and the help pointer", "[router]") {
  const auto slack = say(Platform::slack, InboundKind::slash_command, "condcut");
  REQUIRE(slack);
  CHECK(slack->text == "I don't know \"condcut\". Did you mean /kata conduct? Try /kata help for what I know.");
  const auto irc_reply = irc("!meetnigs");
  REQUIRE(irc_reply);
  CHECK(irc_reply->text == "I don't know \"meetnigs\". Did you mean !meetings? Try !help for what I know.");
  const auto nothing_close = irc("!xyzzy");
  REQUIRE(nothing_close);
  CHECK(nothing_close->text == "I don't know \"xyzzy\". Try !help for what I know.");
}

TEST_CASE_METHOD(RouterFixture, "user text that is not a plain word is never echoed", "[router][echo]") {
  const auto reply = say(Platform::slack, InboundKind::slash_command, "<!channel>");
  REQUIRE(reply);
  CHECK(reply->mrkdwn.find("channel") == std::string::npos);
  CHECK(reply->text == "I don't know that word. Try /kata help for what I know.");
}

TEST_CASE_METHOD(RouterFixture, "a list of nicks is never echoed into the channel", "[router][echo]") {
  // Echoing them would highlight every nick: networks ban bots for mass highlights.
  const std::string nicks = "alice,bob,carol,dave,erin,frank,grace,heidi";
  for (const auto& line : {"!" + nicks, "!next " + nicks, std::string("!next alice bob carol dave erin frank"), "!help " + nicks,
                           "!meetings " + nicks, "katabot: " + nicks}) {
    const auto reply = irc(line, "asker" + std::to_string(line.size()));
    REQUIRE(reply);
    INFO(line << " → " << reply->text);
    CHECK(reply->text.find("bob") == std::string::npos);
    CHECK(reply->text.find("carol") == std::string::npos);
  }
  const auto next = irc("!next alice bob carol dave erin frank", "zed");
  REQUIRE(next);
  CHECK(next->text.starts_with("Next: Architecture Committee"));
}

TEST_CASE_METHOD(RouterFixture, "an addressed sentence is a question unless its first word is a command", "[router]") {
  const auto next = irc("katabot: next one please");
  REQUIRE(next);
  CHECK(next->text.starts_with("Next: Architecture Committee, Thu 03 Dec 2026 13:00 UTC"));
  CHECK(next->subject == "meeting:architecture-committee");

  const auto question = irc("katabot: is there a cve for this?", "bob");
  REQUIRE(question);
  CHECK(question->subject == "topic:security");

  const auto help_with = irc("katabot: help me report a cve", "dave");
  REQUIRE(help_with);
  CHECK(help_with->subject == "topic:security");
  const auto help_for = irc("!help next", "erin");
  REQUIRE(help_for);
  CHECK(help_for->text.starts_with("!next [time zone]"));

  const auto nothing = irc("katabot: is the weather nice today?", "carol");
  REQUIRE(nothing);
  CHECK(nothing->text == "I have no answer to that. Try !help for what I know, or ask in other words.");
}

TEST_CASE_METHOD(RouterFixture, "a question two topics answer equally well offers both", "[router]") {
  auto topics = knowledge->topics();
  topics.push_back({"alpha", "Widgets for alpha", {}, {}, "Widgets and gadgets.", "", {{"a", "https://example.org/a"}}});
  topics.push_back({"beta", "Widgets for beta", {}, {}, "Widgets and gizmos.", "", {{"b", "https://example.org/b"}}});
  knowledge = std::make_shared<const KnowledgeBase>(topics, knowledge->meetings());
  const auto reply = irc("katabot: tell me about widgets");
  REQUIRE(reply);
  CHECK(reply->text == "Do you mean !alpha (Widgets for alpha) or !beta (Widgets for beta)?");
  CHECK(reply->mrkdwn == "Do you mean `!alpha` (Widgets for alpha) or `!beta` (Widgets for beta)?");
}

TEST_CASE_METHOD(RouterFixture, "an empty slash command shows help", "[router]") {
  const auto reply = say(Platform::slack, InboundKind::slash_command, "");
  REQUIRE(reply);
  CHECK(reply->text.starts_with("Commands: /kata help /kata meetings /kata next"));
}

// The periods are written out (not read from settings) so that changing a default the README
// promises turns this red.
TEST_CASE_METHOD(RouterFixture, "keyword answers respect channel and user cooldowns", "[router]") {
  REQUIRE(is_conduct(irc("please read the code of conduct", "alice")));
  CHECK_FALSE(irc("the code of conduct applies here", "bob"));  // the channel has just seen it
  CHECK_FALSE(irc("is there a cve for this?", "alice"));         // alice just got an answer
  CHECK(irc("is there a cve for this?", "carol"));               // other user, other topic
  CHECK(is_conduct(say(Platform::irc, InboundKind::channel_line, "code of conduct", "bob", "#kata-general")));

  // A user is answered at most once per 120 s: the meeting is new to the channel, only alice is cooling.
  clock.advance(119s);
  CHECK_FALSE(irc("when is the meeting", "alice"));
  clock.advance(1s);
  const auto free_again = irc("when is the meeting", "alice");
  REQUIRE(free_again);
  CHECK(free_again->subject == "meeting:architecture-committee");

  // A channel hears the same subject at most once per 600 s.
  clock.advance(479s);
  CHECK_FALSE(irc("code of conduct again", "dave"));
  clock.advance(1s);
  CHECK(is_conduct(irc("code of conduct again", "dave")));
}

TEST_CASE_METHOD(RouterFixture, "commands are rate-limited per user, who is told once", "[router]") {
  for (int i = 0; i < 6; ++i) REQUIRE(is_conduct(irc("!conduct", "flooder")));
  const auto told = irc("!conduct", "flooder");
  REQUIRE(told);
  CHECK(told->text == "You're asking faster than I can answer; I'll listen to you again in 5 seconds.");
  CHECK_FALSE(irc("!conduct", "flooder"));
  CHECK(is_conduct(irc("!conduct", "someone-else")));

  // One more command every 5 s, not a moment earlier.
  clock.advance(4999ms);
  CHECK_FALSE(irc("!conduct", "flooder"));
  clock.advance(1ms);
  CHECK(is_conduct(irc("!conduct", "flooder")));
  CHECK(metrics.value("katabot_rate_limited_total", {{"platform", "irc"}}) == 3);
}

TEST_CASE_METHOD(RouterFixture, "admin commands check the configured ids and accounts", "[router]") {
  const auto denied = say(Platform::slack, InboundKind::slash_command, "reload", "U1");
  REQUIRE(denied);
  CHECK(denied->action == Action::none);
  CHECK(denied->text == "Sorry, /kata reload is only for the bot's admins.");
  const auto allowed = say(Platform::slack, InboundKind::slash_command, "reload", "UADMIN");
  REQUIRE(allowed);
  CHECK(allowed->action == Action::reload_knowledge);

  // On IRC a nick proves nothing: only the services account counts.
  Inbound by_nick;
  by_nick.platform = Platform::irc;
  by_nick.text = "!status";
  by_nick.user_id = "opsaccount";
  const auto nick_only = router.route(by_nick);
  REQUIRE(nick_only);
  CHECK(nick_only->text.find("only for the bot's admins") != std::string::npos);
  by_nick.account = "opsaccount";
  const auto with_account = router.route(by_nick);
  REQUIRE(with_account);
  CHECK(with_account->text.starts_with("Knowledge base: 2 topics, 1 meetings."));
}

TEST_CASE_METHOD(RouterFixture, "help is generated from the registry and the knowledge base", "[router][help]") {
  const auto reply = say(Platform::slack, InboundKind::slash_command, "help");
  REQUIRE(reply);
  for (const auto& command : registry.commands()) {
    const bool listed = reply->mrkdwn.find("`/kata " + command.name) != std::string::npos;
    CHECK(listed == !command.admin);
  }
  for (const auto& topic : knowledge->topics()) CHECK(reply->mrkdwn.find("`/kata " + topic.id + "`") != std::string::npos);
  const auto one = irc("!help next");
  REQUIRE(one);
  CHECK(one->text == "!next [time zone] — the next meeting and how long until it starts");
  const auto topic_help = irc("!help coc", "bob");
  REQUIRE(topic_help);
  CHECK(topic_help->text == "!conduct — Code of Conduct (also !coc): Be kind.");
}

TEST_CASE_METHOD(RouterFixture, "metrics count messages and commands", "[router]") {
  irc("!conduct");
  say(Platform::slack, InboundKind::slash_command, "next");
  CHECK(metrics.value("katabot_messages_in_total", {{"platform", "irc"}}) == 1);
  CHECK(metrics.value("katabot_commands_total", {{"command", "conduct"}}) == 1);
  CHECK(metrics.value("katabot_commands_total", {{"command", "next"}}) == 1);
}
