// The questions people really ask in community channels (tests/data/questions.yaml), each routed
// as a user would type it, must reach the right topic or meeting and carry its link; ordinary
// chatter must not trigger an answer.
#include <catch2/catch.hpp>

#include <cstdio>

#include <yaml-cpp/yaml.h>

#include "bot/router.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

// The link an answer about `expected` ("topic:<id>" or "meeting:<id>") must carry.
std::string source_link(const KnowledgeBase& knowledge, const std::string& expected) {
  const auto colon = expected.find(':');
  const auto kind = expected.substr(0, colon);
  const auto id = expected.substr(colon + 1);
  if (kind == "topic") {
    const auto* topic = knowledge.find_topic(id);
    return topic == nullptr ? "" : topic->links.at(0).url;
  }
  const auto* meeting = knowledge.find_meeting(id);
  return meeting == nullptr ? "" : meeting->agenda;
}

}  // namespace

TEST_CASE("real questions reach the right subject with its link", "[questions]") {
  const auto knowledge = test::project_knowledge();
  REQUIRE(knowledge);
  const auto data = YAML::LoadFile((test::source_dir() / "tests/data/questions.yaml").string());
  REQUIRE(data["questions"].size() >= 40);

  CommandRegistry registry;
  ManualClock clock(test::at_utc(2026, 11, 27, 12));
  Metrics metrics;
  RouterSettings settings;
  settings.user_burst = 1e9;
  Router router(settings, registry, [&] { return knowledge; }, clock, metrics);

  int asked = 0;
  int right = 0;
  std::vector<std::string> wrong;
  for (const auto& question : data["questions"]) {
    const auto text = question["text"].as<std::string>();
    const auto expected = question["expect"].as<std::string>();
    const auto link = source_link(*knowledge, expected);
    INFO("expected subject " << expected << " is not in the knowledge base");
    REQUIRE(!link.empty());
    // Addressed on IRC, as a Slack mention, and as a Slack slash command.
    for (const auto& [platform, kind, line] :
         {std::tuple{Platform::irc, InboundKind::channel_line, "katabot: " + text},
          std::tuple{Platform::slack, InboundKind::mention, text},
          std::tuple{Platform::slack, InboundKind::slash_command, text}}) {
      Inbound inbound;
      inbound.platform = platform;
      inbound.kind = kind;
      inbound.user_id = "asker" + std::to_string(++asked);
      inbound.channel = "#kata-dev";
      inbound.text = line;
      const auto reply = router.route(inbound);
      const bool answered = reply && reply->subject == expected &&
                            std::any_of(reply->links.begin(), reply->links.end(), [&](const Link& l) { return l.url == link; });
      if (answered) {
        ++right;
      } else {
        wrong.push_back(line + "  → " + (reply ? (reply->subject.empty() ? reply->text.substr(0, 60) : reply->subject) : "(nothing)") +
                        ", expected " + expected);
      }
    }
  }
  const double share = static_cast<double>(right) / asked;
  std::printf("questions answered right: %d of %d (%.1f %%)\n", right, asked, 100 * share);
  for (const auto& line : wrong) std::printf("  wrong: %s\n", line.c_str());
  CHECK(share >= 0.95);
}

TEST_CASE("ordinary chatter triggers no answer", "[questions]") {
  const auto knowledge = test::project_knowledge();
  REQUIRE(knowledge);
  const auto data = YAML::LoadFile((test::source_dir() / "tests/data/questions.yaml").string());
  REQUIRE(data["chatter"].size() >= 15);
  for (const auto& line : data["chatter"]) {
    INFO(line.as<std::string>());
    CHECK_FALSE(knowledge->match_keywords(line.as<std::string>()));
  }
}

TEST_CASE("the project's knowledge base is valid and links every community page URL", "[questions]") {
  Diagnostics diagnostics;
  const auto knowledge =
      KnowledgeBase::load(test::source_dir() / "knowledge", CommandRegistry().reserved_words(), diagnostics);
  for (const auto& diagnostic : diagnostics) UNSCOPED_INFO(diagnostic.to_string());
  REQUIRE(knowledge);
  std::ifstream page(test::source_dir() / "tests/data/kata-community-page.md");
  REQUIRE(page);
  const std::string text((std::istreambuf_iterator<char>(page)), std::istreambuf_iterator<char>());
  std::vector<std::string> known;
  for (const auto& topic : knowledge->topics()) {
    for (const auto& link : topic.links) known.push_back(link.url);
  }
  for (const auto& meeting : knowledge->meetings()) {
    known.push_back(meeting.agenda);
    known.push_back(meeting.join);
  }
  int urls = 0;
  for (std::size_t at = text.find("http"); at != std::string::npos; at = text.find("http", at + 1)) {
    const auto end = text.find_first_of(")'\" \n", at);
    const auto url = text.substr(at, end - at);
    ++urls;
    INFO(url);
    CHECK(std::find(known.begin(), known.end(), url) != known.end());
  }
  const auto mail = text.find("mailto:");
  REQUIRE(mail != std::string::npos);
  CHECK(std::find(known.begin(), known.end(), text.substr(mail, text.find('>', mail) - mail)) != known.end());
  CHECK(urls >= 20);
}
