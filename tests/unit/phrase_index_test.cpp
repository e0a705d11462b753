#include <catch2/catch.hpp>

#include <set>

#include "knowledge/phrase_index.hpp"

using katabot::normalize_for_matching;
using katabot::PhraseIndex;

namespace {

std::multiset<std::uint32_t> values(const std::vector<PhraseIndex::Hit>& hits) {
  std::multiset<std::uint32_t> found;
  for (const auto& hit : hits) found.insert(hit.value);
  return found;
}

}  // namespace

TEST_CASE("normalizing folds case and punctuation into single spaces", "[phrase]") {
  CHECK(normalize_for_matching("Where's the Code-of-Conduct?!") == " where s the code of conduct ");
  CHECK(normalize_for_matching("") == " ");
  CHECK(normalize_for_matching("Grüße") == " gr\xc3\xbc\xc3\x9f" "e ");
}

TEST_CASE("phrases match on word boundaries only", "[phrase]") {
  PhraseIndex index;
  index.add("code of conduct", 1);
  index.add("cve", 2);
  index.add("slack", 3);
  index.build();
  CHECK(values(index.find(normalize_for_matching("Where is the CODE of conduct?"))) == std::multiset<std::uint32_t>{1});
  CHECK(values(index.find(normalize_for_matching("a new CVE was published"))) == std::multiset<std::uint32_t>{2});
  CHECK(index.find(normalize_for_matching("slacking off, cvelike")).empty());
  CHECK(values(index.find(normalize_for_matching("slack slack"))) == std::multiset<std::uint32_t>{3, 3});
}

TEST_CASE("overlapping and nested phrases are all found", "[phrase]") {
  PhraseIndex index;
  index.add("security", 1);
  index.add("security bug", 2);
  index.add("report a security bug", 3);
  index.add("bug", 4);
  index.build();
  const auto hits = index.find(normalize_for_matching("how do I report a security bug?"));
  CHECK(values(hits) == std::multiset<std::uint32_t>{1, 2, 3, 4});
  for (const auto& hit : hits) {
    if (hit.value == 3) CHECK(hit.words == 4);
    if (hit.value == 4) CHECK(hit.words == 1);
  }
}

TEST_CASE("a large index answers like a naive scan", "[phrase]") {
  // Many phrases sharing prefixes and suffixes exercise the failure links.
  PhraseIndex index;
  std::vector<std::string> phrases;
  for (int i = 0; i < 300; ++i) {
    phrases.push_back("topic " + std::to_string(i) + " word");
    phrases.push_back(std::to_string(i) + " word");
  }
  for (std::uint32_t i = 0; i < phrases.size(); ++i) index.add(phrases[i], i);
  index.build();
  const std::string text = normalize_for_matching("about topic 17 word and 250 word, 9999 word topic 3 words");
  std::multiset<std::uint32_t> expected;
  for (std::uint32_t i = 0; i < phrases.size(); ++i) {
    const auto needle = normalize_for_matching(phrases[i]);
    for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) expected.insert(i);
  }
  CHECK(values(index.find(text)) == expected);
  CHECK(expected.size() == 3);
}
