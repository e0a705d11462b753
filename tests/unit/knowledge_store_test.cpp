// KnowledgeStore::reload, what SIGHUP and `!reload` run: a reload that fails validation reports its
// problems and keeps serving the previous snapshot; a good one swaps the new knowledge in.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "bot/knowledge_store.hpp"
#include "bot/router.hpp"
#include "test_support.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

const std::string conduct_words = "OpenInfra Foundation Code of Conduct";

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string new_topic = read_file(source_dir() / "tests" / "data" / "reload-check-topic.yaml");

// A copy of the project's knowledge directory that the test may break and mend.
struct KnowledgeCopy {
  KnowledgeCopy() {
    for (const auto* name : {"topics.yaml", "meetings.yaml"}) {
      dir.write(name, read_file(source_dir() / "knowledge" / name));
    }
  }
  void write_topics(const std::string& text) const { dir.write("topics.yaml", text); }
  std::string topics() const { return read_file(dir.path() / "topics.yaml"); }
  TempDir dir;
};

// A store loaded from the copy, and a router answering from whatever snapshot the store holds.
struct StoreRouter {
  StoreRouter() { REQUIRE(store.reload().empty()); }
  std::string irc(const std::string& text) {
    Inbound inbound;
    inbound.platform = Platform::irc;
    inbound.kind = InboundKind::channel_line;
    inbound.channel = "#kata-dev";
    inbound.user_id = "alice";
    inbound.text = text;
    const auto reply = router.route(inbound);
    return reply ? reply->text : "";
  }
  KnowledgeCopy copy;
  CommandRegistry registry;
  KnowledgeStore store{copy.dir.path(), registry.reserved_words()};
  ManualClock clock{at_utc(2026, 11, 27, 12)};
  Metrics metrics;
  Router router{[] {
                  RouterSettings unlimited;
                  unlimited.user_burst = 1e9;
                  return unlimited;
                }(),
                registry, [this] { return store.snapshot(); }, clock, metrics};
};

}  // namespace

TEST_CASE("a reload that fails validation keeps the previous knowledge base and says why", "[reload]") {
  StoreRouter bot;
  auto& copy = bot.copy;
  auto& store = bot.store;
  const auto before = store.snapshot();
  REQUIRE_THAT(bot.irc("!conduct"), Catch::Contains(conduct_words));

  // A second topic with the id `conduct`, at the end of the file: a validation error, not a YAML one.
  const auto good = copy.topics();
  const auto duplicate_line = std::count(good.begin(), good.end(), '\n') + 2;
  copy.write_topics(good + "\n  - id: conduct\n    title: Again\n    summary: \"dup\"\n");
  const auto problems = store.reload();

  REQUIRE(problems.size() >= 1);
  CHECK(problems.front().file == (copy.dir.path() / "topics.yaml").string());
  CHECK(problems.front().line == duplicate_line);
  CHECK_THAT(problems.front().message, Catch::Contains("conduct"));
  CHECK(store.snapshot() == before);
  CHECK_THAT(bot.irc("!conduct"), Catch::Contains(conduct_words));
  CHECK_THAT(bot.irc("!reload-check"), !Catch::Contains("only exists after a successful reload"));

  Reply reply;
  reply.action = Action::reload_knowledge;
  CHECK_FALSE(carry_out(reply, store).empty());
  CHECK_THAT(reply.text, Catch::StartsWith("Reload failed with") && Catch::Contains("topics.yaml:"));
  CHECK(store.snapshot() == before);

  copy.write_topics(good + new_topic);
  CHECK(store.reload().empty());
  CHECK(store.snapshot() != before);
  CHECK_THAT(bot.irc("!reload-check"), Catch::Contains("only exists after a successful reload"));
  CHECK_THAT(bot.irc("!conduct"), Catch::Contains(conduct_words));
}

TEST_CASE("a topics file that is not YAML any more keeps the previous knowledge base", "[reload]") {
  StoreRouter bot;
  auto& copy = bot.copy;
  auto& store = bot.store;
  const auto before = store.snapshot();

  copy.write_topics("topics:\n  - id: [unclosed\n");
  const auto problems = store.reload();
  REQUIRE(problems.size() == 1);
  CHECK(problems.front().line >= 2);
  CHECK(store.snapshot() == before);
  CHECK_THAT(bot.irc("!conduct"), Catch::Contains(conduct_words));
}
