// Free-text retrieval: ranking over a subject's whole text, stemming, typos, synonyms, confidence,
// and the bound on what one question may cost.
#include <catch2/catch.hpp>

#include "knowledge/knowledge_base.hpp"
#include "knowledge/retrieval.hpp"
#include "knowledge/synonyms.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

Topic topic(std::string id, std::string title, std::string summary, std::string details = {}) {
  return Topic{std::move(id), std::move(title), {}, {}, std::move(summary), std::move(details),
               {{"source", "https://example.org/"}}};
}

std::vector<Topic> small_topics() {
  return {topic("security", "Reporting a vulnerability", "Report security issues privately to the team."),
          topic("releases", "Releases", "A new release every month; see the release notes."),
          topic("install", "Installing Kata Containers", "Install with kata-deploy on Kubernetes or from packages.",
                "Check the host with `kata-runtime check`; the install guide covers each distribution."),
          topic("governance", "Governance", "The project is hosted by the OpenInfra Foundation.")};
}

std::string id_of(const KnowledgeBase& knowledge, const Subject& subject) {
  return subject.kind == Subject::Kind::topic ? knowledge.topic(subject).id : knowledge.meeting(subject).id;
}

std::string sure_answer(const KnowledgeBase& knowledge, std::string_view question) {
  const auto match = knowledge.match_free_text(question);
  if (match.confidence != FreeTextMatch::Confidence::sure) return "(not sure)";
  return id_of(knowledge, match.candidates.front());
}

}  // namespace

TEST_CASE("retrieval ranks by the whole text, stemmed", "[retrieval]") {
  const KnowledgeBase knowledge(small_topics(), {});
  // "installing", "distributions" appear only in the summary and details, in other forms.
  CHECK(sure_answer(knowledge, "installing on my distribution?") == "install");
  CHECK(sure_answer(knowledge, "who hosts the project, which foundation?") == "governance");
  CHECK(sure_answer(knowledge, "where are the release notes") == "releases");
}

TEST_CASE("retrieval forgives one typo in a longer word", "[retrieval]") {
  const KnowledgeBase knowledge(small_topics(), {});
  CHECK(sure_answer(knowledge, "how do I report a vulnerabilty") == "security");
  CHECK(sure_answer(knowledge, "instalation guide") == "install");
  CHECK(sure_answer(knowledge, "goverance") == "governance");
}

TEST_CASE("words every question has do not decide the answer", "[retrieval]") {
  auto topics = small_topics();
  topics.push_back(topic("slack", "Slack", "Join the Slack workspace."));
  topics.push_back(topic("irc", "IRC", "Use IRC if you like: use it, find us, see what works; we use Slack more."));
  topics.push_back(topic("docs", "Documentation", "Find how to use and work with Kata: where to find what you look for."));
  const KnowledgeBase knowledge(topics, {});
  CHECK(sure_answer(knowledge, "which slack do you use") == "slack");
  CHECK(sure_answer(knowledge, "where do i find the governance") == "governance");
}

TEST_CASE("questions about nothing known get no answer", "[retrieval]") {
  const KnowledgeBase knowledge(small_topics(), {});
  CHECK(knowledge.match_free_text("what is the weather like today").confidence == FreeTextMatch::Confidence::none);
  CHECK(knowledge.match_free_text("").confidence == FreeTextMatch::Confidence::none);
  CHECK(knowledge.match_free_text("is it a the of").confidence == FreeTextMatch::Confidence::none);
}

TEST_CASE("a question two subjects answer equally well offers both", "[retrieval]") {
  auto topics = small_topics();
  topics.push_back(topic("alpha", "Widgets for alpha", "Widgets and gadgets."));
  topics.push_back(topic("beta", "Widgets for beta", "Widgets and gizmos."));
  const KnowledgeBase knowledge(topics, {});
  const auto match = knowledge.match_free_text("widgets");
  CHECK(match.confidence == FreeTextMatch::Confidence::unsure);
  REQUIRE(match.candidates.size() == 2);
  CHECK(id_of(knowledge, match.candidates[0]) == "alpha");
  CHECK(id_of(knowledge, match.candidates[1]) == "beta");
  CHECK(sure_answer(knowledge, "widgets and gizmos") == "beta");
}

TEST_CASE("synonyms lead to their subject", "[retrieval][synonyms]") {
  auto topics = small_topics();
  topics.push_back(topic("conduct", "Code of Conduct", "Be kind."));
  Diagnostics diagnostics;
  auto synonyms = parse_synonyms("synonyms:\n  - {subject: topic:conduct, words: [rude, harass]}\n"
                                 "  - {subject: topic:security, words: [CVE, container escape]}\n",
                                 "synonyms.yaml", topics, {}, diagnostics);
  REQUIRE(diagnostics.empty());
  const KnowledgeBase without(topics, {});
  CHECK(sure_answer(without, "someone keeps harassing me") == "(not sure)");
  const KnowledgeBase knowledge(topics, {}, std::move(synonyms));
  CHECK(sure_answer(knowledge, "someone keeps harassing me") == "conduct");
  CHECK(sure_answer(knowledge, "a user was rude to me") == "conduct");
  CHECK(sure_answer(knowledge, "is there a cve for the container escape?") == "security");
}

TEST_CASE("meetings are subjects of free text too", "[retrieval]") {
  auto meeting = test::architecture_committee();
  meeting.description = "The weekly community call.";
  const KnowledgeBase knowledge(small_topics(), {meeting});
  const auto match = knowledge.match_free_text("when is the community call?");
  REQUIRE(match.confidence == FreeTextMatch::Confidence::sure);
  CHECK(match.candidates.front().kind == Subject::Kind::meeting);
}

TEST_CASE("synonym validation reports every problem with file:line:col", "[knowledge][synonyms]") {
  const auto topics = small_topics();
  const std::string text = R"(synonyms:
  - subject: topic:security
    words: [vuln, ""]
  - subject: topic:nosuch
    words: [x]
  - subject: topic:releases
    words: [vuln, aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]
    colour: blue
  - words: [y]
)";
  Diagnostics diagnostics;
  parse_synonyms(text, "synonyms.yaml", topics, {}, diagnostics);
  std::vector<std::string> found;
  for (const auto& diagnostic : diagnostics) found.push_back(diagnostic.to_string());
  const auto has = [&](const std::string& needle) {
    return std::any_of(found.begin(), found.end(), [&](const auto& m) { return m.find(needle) != std::string::npos; });
  };
  INFO(Catch::Detail::stringify(found));
  CHECK(has("synonyms.yaml:3:19: empty word for 'topic:security'"));
  CHECK(has("synonyms.yaml:4:14: unknown subject 'topic:nosuch'"));
  CHECK(has("synonyms.yaml:7:13: 'vuln' already stands for another subject (line 3)"));
  CHECK(has("synonyms.yaml:7:19: the word 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…' for 'topic:releases' is 45 bytes; at most 40"));
  CHECK(has("synonyms.yaml:8:5: unknown key 'colour' in a synonyms entry"));
  CHECK(has("synonyms.yaml:9:5: missing key 'subject' in a synonyms entry"));
  CHECK(found.size() == 6);
}

TEST_CASE("a question reads a bounded number of postings however large the knowledge base", "[retrieval]") {
  // Every document shares the words of the question: an unbounded index would add up 5000 postings
  // per word. The answer must still be a document holding the rarer word.
  std::vector<Document> documents;
  for (int i = 0; i < 5000; ++i) documents.push_back({{"common words shared everywhere " + std::to_string(i), 1}});
  documents.push_back({{"common words shared everywhere special", 1}});
  const Retrieval retrieval(documents);
  const auto ranked = retrieval.rank("common words shared everywhere special", 3);
  REQUIRE(!ranked.empty());
  CHECK(ranked.front().document == 5000);
  // A question of thousands of distinct words (each found in one document) reads only the first
  // max_query_terms terms: unbounded, it would find 3000 documents.
  std::string flood;
  for (int i = 0; i < 3000; ++i) flood += std::to_string(i) + " ";
  CHECK(retrieval.rank(flood, 10000).size() <= Retrieval::max_query_terms);
}
