// find_topic reads an index built with the snapshot: the answers must be those of a walk over the
// topics in file order (ids and aliases, case-insensitive, the first topic naming a word wins).
#include <catch2/catch.hpp>

#include "knowledge/knowledge_base.hpp"

using namespace katabot;

namespace {

Topic topic(std::string id, std::vector<std::string> aliases) {
  Topic made;
  made.id = std::move(id);
  made.aliases = std::move(aliases);
  made.title = "Title of " + made.id;
  made.summary = "Summary of " + made.id;
  return made;
}

}  // namespace

TEST_CASE("find_topic finds every id and alias of a large knowledge base, whatever the case", "[knowledge]") {
  std::vector<Topic> topics;
  for (int i = 0; i < 10000; ++i) topics.push_back(topic("topic-" + std::to_string(i), {"alias-" + std::to_string(i)}));
  const KnowledgeBase knowledge(std::move(topics), {});

  for (const int i : {0, 1, 4999, 9999}) {
    const auto* by_id = knowledge.find_topic("topic-" + std::to_string(i));
    const auto* by_alias = knowledge.find_topic("ALIAS-" + std::to_string(i));
    REQUIRE(by_id != nullptr);
    REQUIRE(by_alias != nullptr);
    CHECK(by_id->id == "topic-" + std::to_string(i));
    CHECK(by_alias == by_id);
  }
  CHECK(knowledge.find_topic("topic-10000") == nullptr);
  CHECK(knowledge.find_topic("") == nullptr);
}

TEST_CASE("find_topic: the first topic naming a word wins, as in file order", "[knowledge]") {
  // The loader rejects such clashes; a snapshot built in code keeps the walk's answer.
  const KnowledgeBase knowledge({topic("install", {"setup"}), topic("setup", {"install"})}, {});
  REQUIRE(knowledge.find_topic("setup") != nullptr);
  CHECK(knowledge.find_topic("setup")->id == "install");
  CHECK(knowledge.find_topic("Install")->id == "install");
}
