// Inputs the fuzz targets (tests/fuzz) found crashing or breaking a loader's promise, kept here so
// the ordinary suite guards them.
#include <catch2/catch.hpp>

#include <date/date.h>

#include "bot/config.hpp"
#include "bot/render.hpp"
#include "handlers/clock.hpp"
#include "handlers/command_registry.hpp"
#include "knowledge/meetings.hpp"
#include "knowledge/topics.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

std::optional<std::string> no_variables(const std::string&) { return std::nullopt; }

}  // namespace

TEST_CASE("a bad reminder channel without a channels key is reported instead of crashing", "[config][fuzz]") {
  // fuzz_config: the check looked the problem up under irc.channels, which did not exist, and yaml-cpp
  // threw InvalidNode out of parse_config (katabot --check-config died with std::terminate).
  Diagnostics diagnostics;
  std::optional<Config> config;
  REQUIRE_NOTHROW(config = parse_config("irc:\n  reminder_channels: [d]\n", "katabot.yaml", no_variables, diagnostics,
                                        ConfigUse::offline));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].to_string() ==
        "katabot.yaml:2:23: 'd' is not an IRC channel name (quote it: \"#kata-dev\")");
}

TEST_CASE("an empty knowledge file is reported at line 1 column 1", "[knowledge][fuzz]") {
  // fuzz_topics / fuzz_meetings: an empty document has no position in yaml-cpp; it came out as :0:0.
  Diagnostics diagnostics;
  CHECK(parse_topics("", "topics.yaml", {}, diagnostics).empty());
  CHECK(parse_meetings("", "meetings.yaml", diagnostics).empty());
  REQUIRE(diagnostics.size() == 2);
  CHECK(diagnostics[0].to_string().starts_with("topics.yaml:1:1: "));
  CHECK(diagnostics[1].to_string().starts_with("meetings.yaml:1:1: "));
}

TEST_CASE("topic details write < only to open a link", "[knowledge][slack][fuzz]") {
  // fuzz_slack_mrkdwn: the details of `contribute` and `install` (mrkdwn, sent to Slack as written)
  // held `Name <email>` and `--version <tag>` in code spans. Slack reads any <…> as a control
  // sequence (link, mention), code span or not, so the placeholders never showed as typed: they
  // must be written &lt;email&gt;.
  const auto knowledge = test::project_knowledge();
  REQUIRE(knowledge);
  for (const auto& topic : knowledge->topics()) {
    for (auto open = topic.details.find('<'); open != std::string::npos; open = topic.details.find('<', open + 1)) {
      const auto sequence = topic.details.substr(open, topic.details.find_first_of("|>", open) - open);
      INFO("topic " << topic.id << ": " << sequence);
      CHECK((sequence.find("://") != std::string::npos || sequence.starts_with("<mailto:")));
    }
  }
}

TEST_CASE("an empty id, title or url is reported where it is written, also behind a YAML tag", "[knowledge][fuzz]") {
  // fuzz_topics: `id: !bout` (a tag with nothing after it) is a scalar holding "", and so is `id: ""`; the
  // topic was accepted with an empty id, which no command can name.
  for (const std::string id : {"!bout", "\"\"", "' '"}) {
    INFO(id);
    Diagnostics diagnostics;
    parse_topics("topics:\n  - id: " + id + "\n    title: T\n    summary: S\n    links: [{title: a, url: \"https://x.io/\"}]\n",
                 "topics.yaml", {}, diagnostics);
    REQUIRE(diagnostics.size() == 1);
    CHECK(diagnostics[0].to_string() == "topics.yaml:2:9: 'id' in topic is empty");
  }
  Diagnostics diagnostics;
  parse_topics("topics:\n  - id: t\n    title: T\n    summary: S\n    links: [{title: a, url: \"\"}]\n", "topics.yaml", {},
               diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].to_string() == "topics.yaml:5:29: 'url' in link is empty");
  diagnostics.clear();
  parse_meetings("meetings:\n  - id: ac\n    title: \"\"\n    day: Thursday\n    time: \"13:00\"\n    timezone: UTC\n"
                 "    frequency: weekly\n    duration_minutes: 60\n",
                 "meetings.yaml", diagnostics);
  REQUIRE_FALSE(diagnostics.empty());
  CHECK(diagnostics[0].to_string() == "meetings.yaml:3:12: 'title' in meeting 'ac' is empty");
}

TEST_CASE("help for an admin command shows its <placeholders> on Slack as typed", "[handlers][slack][fuzz]") {
  // fuzz_slack_mrkdwn (long run, 2 495 s): `/kata help move` wrote `/kata move <meeting> <date> <HH:MM> [zone]`
  // into mrkdwn as it is; Slack reads <meeting> as a link, so the usage lost its placeholders.
  const auto knowledge = test::project_knowledge();
  REQUIRE(knowledge);
  const CommandRegistry commands;
  const ManualClock clock(date::sys_days{date::year{2026} / 12 / 1});
  for (const std::string name : {"skip", "unskip", "move", "announce"}) {
    INFO(name);
    const auto reply = commands.find("help")->handler({.command = "help", .args = name, .command_prefix = "/kata "},
                                                       *knowledge, clock);
    const auto shown = render_slack_mrkdwn(reply);
    CHECK(shown.find('<') == std::string::npos);
    CHECK(shown.find("&lt;meeting&gt;") != std::string::npos);
  }
}
