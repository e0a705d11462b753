// coordination.reminders.ambiguous_policy: what a new leader does with a reminder an earlier one
// claimed but never marked (shared/design/ha.md §3.4), checked like every other key.
#include <catch2/catch.hpp>

#include "bot/config.hpp"
#include "test_support.hpp"

using namespace katabot;
using katabot::test::all_text;
using katabot::test::environment;

TEST_CASE("ambiguous reminders: verify on Slack and skip on IRC unless configured", "[config][coordination][claims]") {
  Diagnostics diagnostics;
  const auto defaults = parse_config("bot: {name: katabot}\n", "katabot.yaml", environment({}), diagnostics);
  REQUIRE(defaults);
  CHECK(defaults->coordination.ambiguous_policy.slack == AmbiguousAction::verify);
  CHECK(defaults->coordination.ambiguous_policy.irc == AmbiguousAction::skip);

  const auto chosen = parse_config("coordination:\n  reminders:\n    ambiguous_policy: {slack: repost, irc: repost}\n",
                                   "katabot.yaml", environment({}), diagnostics);
  INFO(all_text(diagnostics));
  REQUIRE(chosen);
  CHECK(chosen->coordination.ambiguous_policy.slack == AmbiguousAction::repost);
  CHECK(chosen->coordination.ambiguous_policy.irc == AmbiguousAction::repost);
}

TEST_CASE("ambiguous_policy mistakes are reported at their value", "[config][coordination][claims]") {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"    ambiguous_policy: {irc: verify}\n",
       "katabot.yaml:3:29: coordination.reminders.ambiguous_policy.irc 'verify' must be repost or skip"},
      {"    ambiguous_policy: {slack: skip}\n",
       "katabot.yaml:3:31: coordination.reminders.ambiguous_policy.slack 'skip' must be repost or verify"},
      {"    ambiguous_policy: {matrix: skip}\n", "matrix"},
      {"    ambiguous_policy: skip\n", "coordination.reminders.ambiguous_policy"},
  };
  for (const auto& [yaml, expected] : cases) {
    Diagnostics diagnostics;
    INFO(yaml);
    CHECK_FALSE(parse_config("coordination:\n  reminders:\n" + yaml, "katabot.yaml", environment({}), diagnostics));
    CHECK_THAT(all_text(diagnostics), Catch::Contains(expected));
  }
}
