// The questions people really ask in community channels (tests/data/questions.yaml), each routed
// as a user would type it, must reach the right topic or meeting and carry its link; ordinary
// chatter must not trigger an answer.
#include <catch2/catch.hpp>

#include <yaml-cpp/yaml.h>

#include "bot/router.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

struct Expected {
  std::string kind;  // "topic" or "meeting"
  std::string id;
};

Expected parse_expected(const std::string& text) {
  const auto colon = text.find(':');
  return {text.substr(0, colon), text.substr(colon + 1)};
}

// The link an answer about the subject must carry.
std::string source_link(const KnowledgeBase& knowledge, const Expected& expected) {
  if (expected.kind == "topic") return knowledge.find_topic(expected.id)->links.at(0).url;
  return knowledge.find_meeting(expected.id)->agenda;
}

}  // namespace

TEST_CASE("real questions reach the right topic with its link", "[questions]") {
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
  for (const auto& question : data["questions"]) {
    const auto text = question["text"].as<std::string>();
    const auto expected = parse_expected(question["expect"].as<std::string>());
    const auto link = source_link(*knowledge, expected);
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
      INFO("question: " << line << "\nexpected: " << expected.kind << ":" << expected.id);
      REQUIRE(reply);
      CHECK(std::any_of(reply->links.begin(), reply->links.end(), [&](const Link& l) { return l.url == link; }));
    }
  }
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
