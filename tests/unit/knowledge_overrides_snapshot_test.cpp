// A snapshot with the admins' skips and moves applied (KnowledgeStore with a state_dir, as in
// production) answers questions exactly as the snapshot of the files does: same topics, same
// synonyms, same indexes (shared, not rebuilt: KnowledgeBase::with_overrides).
#include <catch2/catch.hpp>

#include "bot/knowledge_store.hpp"
#include "handlers/command_registry.hpp"
#include "test_support.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

std::string sure_topic(const KnowledgeBase& knowledge, std::string_view question) {
  const auto match = knowledge.match_free_text(question);
  if (match.confidence != FreeTextMatch::Confidence::sure) return "(not sure)";
  const auto subject = match.candidates.at(0);
  return subject.kind == Subject::Kind::topic ? knowledge.topic(subject).id : "meeting:" + knowledge.meeting(subject).id;
}

}  // namespace

TEST_CASE("with a state_dir the published snapshot keeps the synonyms: 'rude' still finds the code of conduct",
          "[knowledge][overrides]") {
  const TempDir state;
  KnowledgeStore store(source_dir() / "knowledge", CommandRegistry().reserved_words(), state.path());
  REQUIRE(store.reload().empty());
  // "rude" and "cve" are only in synonyms.yaml, never in the topics' own text.
  CHECK(sure_topic(*store.snapshot(), "someone was rude to me in a review, who do I tell?") == "conduct");
  CHECK(sure_topic(*store.snapshot(), "where do I report a vuln?") == "security");
  CHECK(sure_topic(*store.snapshot(), "how do I find the next ac call?") == "meeting:architecture-committee");
}

TEST_CASE("with_overrides changes the meetings' overrides and nothing a question sees", "[knowledge][overrides]") {
  Diagnostics diagnostics;
  const auto files = KnowledgeBase::load(source_dir() / "knowledge", CommandRegistry().reserved_words(), diagnostics);
  REQUIRE(files);
  std::vector<std::vector<OccurrenceOverride>> overrides(files->meetings().size());
  OccurrenceOverride skip;
  skip.meeting_id = files->meetings().at(0).id;
  skip.date = date::year{2026} / 12 / 24;
  skip.reason = "holidays";
  overrides.at(0).push_back(skip);
  const auto rescheduled = files->with_overrides(overrides);

  REQUIRE(rescheduled->meetings().size() == files->meetings().size());
  CHECK(rescheduled->meetings().at(0).overrides == overrides.at(0));
  CHECK(files->meetings().at(0).overrides.empty());
  CHECK(rescheduled->meetings().at(0).title == files->meetings().at(0).title);
  CHECK(rescheduled->topics().size() == files->topics().size());
  for (const auto* question : {"who runs this project?", "someone was rude to me", "how do I install kata on bare metal"}) {
    CAPTURE(question);
    CHECK(sure_topic(*rescheduled, question) == sure_topic(*files, question));
  }
  CHECK(sure_topic(*rescheduled, "is kata part of the cncf?") == "governance");
  REQUIRE(rescheduled->find_topic("conduct") != nullptr);
  CHECK(rescheduled->find_topic("conduct")->id == "conduct");
  CHECK(rescheduled->match_keywords("please read the code of conduct").has_value());
}
