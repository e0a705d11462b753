#include <catch2/catch.hpp>

#include "handlers/did_you_mean.hpp"
#include "router_harness.hpp"

using namespace katabot;

namespace {

const std::vector<std::string> candidates = {"help", "meetings", "next", "conduct", "good-first-issues"};

std::string repeated(std::string_view piece, std::size_t times) {
  std::string text;
  text.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) text += piece;
  return text;
}

}  // namespace

TEST_CASE("edit distance is the optimal string alignment distance", "[did-you-mean]") {
  CHECK(edit_distance("", "") == 0);
  CHECK(edit_distance("abc", "") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("meetnigs", "meetings") == 1);
  CHECK(edit_distance("condcut", "conduct") == 1);
  CHECK(edit_distance("abcdef", "badcfe") == 3);
  // OSA edits no substring twice: 3, where unrestricted Damerau-Levenshtein says 2.
  CHECK(edit_distance("ca", "abc") == 3);
}

TEST_CASE("typos and prefixes get suggestions", "[did-you-mean]") {
  CHECK(closest_words("meetnigs", candidates) == std::vector<std::string>{"meetings"});
  CHECK(closest_words("hlep", candidates) == std::vector<std::string>{"help"});
  CHECK(closest_words("good", candidates) == std::vector<std::string>{"good-first-issues"});
  CHECK(closest_words("xyzzy", candidates).empty());
}

TEST_CASE("a huge word is compared by its head only: the longest candidate plus the tolerance", "[did-you-mean]") {
  // "good-first-issues" + "xx" is within two edits of the longest candidate; the rest of the
  // 600 KB is never looked at.
  const auto huge = "good-first-issues" + std::string(600'000, 'x');
  CHECK(closest_words(huge, candidates) == std::vector<std::string>{"good-first-issues"});
  CHECK(closest_words(repeated("\xF0\x9F\x98\x80", 150'000), candidates).empty());
}

TEST_CASE("a 600 KB word is answered, with the suggestions of its capped head", "[did-you-mean][router]") {
  Topic first_issues{"good-first-issues", "Good first issues", {}, {}, "Start here.", "", {}};
  test::RouterHarness harness(std::make_shared<const KnowledgeBase>(std::vector<Topic>{first_issues}, std::vector<Meeting>{}));
  const auto reply = harness.irc("!good-first-issues" + std::string(600'000, 'x'));
  REQUIRE(reply);
  CHECK(reply->text == "I don't know that word. Did you mean !good-first-issues? Try !help for what I know.");
}
