#include <catch2/catch.hpp>

#include "knowledge/knowledge_base.hpp"
#include "knowledge/meetings.hpp"
#include "knowledge/provenance_reader.hpp"
#include "knowledge/topics.hpp"
#include "knowledge/yaml_reader.hpp"
#include "test_support.hpp"

using namespace katabot;

namespace {

std::vector<std::string> messages(const Diagnostics& diagnostics) {
  std::vector<std::string> texts;
  for (const auto& diagnostic : diagnostics) texts.push_back(diagnostic.to_string());
  return texts;
}

const char* valid_topic = R"(topics:
  - id: conduct
    title: Code of Conduct
    aliases: [coc]
    keywords: ["code of conduct"]
    summary: "We follow the OpenInfra Foundation Code of Conduct."
    details: "*Be kind*"
    links:
      - {title: CoC, url: "https://openinfra.dev/legal/code-of-conduct"}
)";

}  // namespace

TEST_CASE("a valid topics file loads with all fields", "[knowledge]") {
  Diagnostics diagnostics;
  const auto topics = parse_topics(valid_topic, "topics.yaml", {}, diagnostics);
  CHECK(diagnostics.empty());
  REQUIRE(topics.size() == 1);
  CHECK(topics[0].id == "conduct");
  CHECK(topics[0].aliases == std::vector<std::string>{"coc"});
  CHECK(topics[0].links.at(0).url == "https://openinfra.dev/legal/code-of-conduct");
}

TEST_CASE("topic validation reports every problem with file:line:col", "[knowledge]") {
  const std::string text = R"(topics:
  - id: conduct
    title: Code of Conduct
    summary: "ok"
    links: [{title: a, url: "https://example.org/"}]
  - id: slack
    title: Slack
    aliases: [conduct]
    summary: ""
    colour: blue
    links:
      - {title: bad, url: "htp:/nowhere"}
  - id: help
    title: Help
    summary: "x"
    links: [{title: a, url: "https://example.org/"}]
)";
  Diagnostics diagnostics;
  parse_topics(text, "topics.yaml", {"help"}, diagnostics);
  const auto found = messages(diagnostics);
  const auto has = [&](const std::string& needle) {
    return std::any_of(found.begin(), found.end(), [&](const auto& m) { return m.find(needle) != std::string::npos; });
  };
  INFO(Catch::Detail::stringify(found));
  CHECK(has("topics.yaml:8:15: duplicate id or alias 'conduct' (first defined at line 2)"));
  CHECK(has("topics.yaml:9:14: topic 'slack' has an empty summary"));
  CHECK(has("topics.yaml:10:5: unknown key 'colour' in topic"));
  CHECK(has("topics.yaml:12:27: malformed URL 'htp:/nowhere'"));
  CHECK(has("topics.yaml:13:9: 'help' is a built-in command"));
  CHECK(found.size() == 5);
}

TEST_CASE("a YAML syntax error is reported with its position", "[knowledge]") {
  Diagnostics diagnostics;
  parse_topics("topics:\n  - id: [unclosed\n", "broken.yaml", {}, diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].file == "broken.yaml");
  CHECK(diagnostics[0].line >= 2);
  CHECK(diagnostics[0].column >= 1);
}

TEST_CASE("a missing file is one clear problem", "[knowledge]") {
  Diagnostics diagnostics;
  load_topics("/nonexistent/topics.yaml", {}, diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].to_string() == "/nonexistent/topics.yaml: cannot read file: No such file or directory");
}

TEST_CASE("summaries must fit one IRC line", "[knowledge]") {
  const std::string text = "topics:\n  - id: long\n    title: Long\n    summary: \"" + std::string(400, 'x') +
                           "\"\n    links: [{title: a, url: \"https://example.org/\"}]\n";
  Diagnostics diagnostics;
  parse_topics(text, "t.yaml", {}, diagnostics);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].message.find("400 bytes") != std::string::npos);
}

TEST_CASE("meetings load in the contract's schema", "[knowledge][meetings]") {
  const std::string text = R"(meetings:
  - id: architecture-committee
    title: Architecture Committee
    day: thursday
    time: "13:00"
    timezone: UTC
    frequency: biweekly-odd
    duration_minutes: 45
    agenda: https://etherpad.opendev.org/p/x
    reminders: [24h, 15m, 1h30m]
    skip: [2026-12-24]
    announce:
      irc: ["#kata-dev"]
)";
  Diagnostics diagnostics;
  const auto meetings = parse_meetings(text, "meetings.yaml", diagnostics);
  INFO(Catch::Detail::stringify(messages(diagnostics)));
  REQUIRE(diagnostics.empty());
  REQUIRE(meetings.size() == 1);
  const auto& meeting = meetings[0];
  CHECK(meeting.day == date::Thursday);
  CHECK(meeting.time_of_day == std::chrono::hours(13));
  CHECK(meeting.frequency == Frequency::biweekly_odd);
  CHECK(meeting.duration == std::chrono::minutes(45));
  CHECK(meeting.reminders == std::vector<std::chrono::seconds>{std::chrono::hours(24), std::chrono::minutes(15),
                                                               std::chrono::minutes(90)});
  CHECK(meeting.skip.at(0) == date::year{2026} / 12 / 24);
  CHECK_FALSE(meeting.announce_slack.has_value());
  CHECK(meeting.announce_irc == std::vector<std::string>{"#kata-dev"});
}

TEST_CASE("meeting validation names the key and the bad value", "[knowledge][meetings]") {
  const std::string text = R"(meetings:
  - id: m
    title: M
    day: thursdai
    time: "25:00"
    timezone: Mars/Olympus
    frequency: monthly
    reminders: [soon]
    skip: [2026-13-01]
    when: now
)";
  Diagnostics diagnostics;
  parse_meetings(text, "meetings.yaml", diagnostics);
  const auto found = messages(diagnostics);
  INFO(Catch::Detail::stringify(found));
  REQUIRE(found.size() == 7);
  CHECK(found[0] == "meetings.yaml:10:5: unknown key 'when' in meeting (known keys: id, title, description, day, time, "
                    "timezone, frequency, duration_minutes, agenda, join, reminders, skip, announce, keywords, "
                    "source, checked)");
  CHECK(found[1] == "meetings.yaml:4:10: 'thursdai' is not a weekday (monday … sunday)");
  CHECK(found[2].starts_with("meetings.yaml:5:11: time '25:00' is not HH:MM"));
  CHECK(found[3].starts_with("meetings.yaml:6:15: unknown time zone 'Mars/Olympus'"));
  CHECK(found[4] == "meetings.yaml:7:16: frequency 'monthly' must be weekly, biweekly-even or biweekly-odd");
  CHECK(found[5] == "meetings.yaml:8:17: reminder 'soon' is not a duration like 24h, 15m, 1d or 90s (at most 30d)");
  CHECK(found[6] == "meetings.yaml:9:12: skip date '2026-13-01' is not a date like 2026-12-24");
}

TEST_CASE("topics and meetings record the source they were checked against, and when", "[knowledge][provenance]") {
  Diagnostics diagnostics;
  const auto topics = parse_topics(R"(topics:
  - id: security
    title: Security
    summary: "Report it privately."
    links: [{title: SECURITY.md, url: "https://github.com/kata-containers/kata-containers/blob/main/SECURITY.md"}]
    source: https://github.com/kata-containers/kata-containers/blob/main/SECURITY.md
    checked: 2026-06-18
)",
                                   "topics.yaml", {}, diagnostics);
  const auto meetings = parse_meetings(R"(meetings:
  - id: architecture-committee
    title: Architecture Committee
    day: thursday
    time: "13:00"
    source: https://katacontainers.io/community/
    checked: 2025-07-24
)",
                                       "meetings.yaml", diagnostics);
  INFO(Catch::Detail::stringify(messages(diagnostics)));
  REQUIRE(diagnostics.empty());
  REQUIRE(topics.size() == 1);
  CHECK(topics[0].provenance.source == "https://github.com/kata-containers/kata-containers/blob/main/SECURITY.md");
  CHECK(topics[0].provenance.checked == "2026-06-18");
  REQUIRE(meetings.size() == 1);
  CHECK(meetings[0].provenance.source == "https://katacontainers.io/community/");
  CHECK(meetings[0].provenance.checked == "2025-07-24");
}

TEST_CASE("a bad source or checked date is reported with the key's position", "[knowledge][provenance]") {
  const std::string text = R"(topics:
  - id: a
    title: A
    summary: "x"
    links: [{title: a, url: "https://example.org/"}]
    source: mailto:info@katacontainers.io
    checked: 2026-02-30
  - id: b
    title: B
    summary: "x"
    links: [{title: a, url: "https://example.org/"}]
    source: https://example.org/
  - id: c
    title: C
    summary: "x"
    links: [{title: a, url: "https://example.org/"}]
    checked: 2026-06-18
)";
  Diagnostics diagnostics;
  parse_topics(text, "topics.yaml", {}, diagnostics);
  const auto found = messages(diagnostics);
  INFO(Catch::Detail::stringify(found));
  REQUIRE(found.size() == 4);
  CHECK(found[0] == "topics.yaml:6:13: source 'mailto:info@katacontainers.io' of topic 'a' is not an http(s) URL");
  CHECK(found[1] == "topics.yaml:7:14: checked date '2026-02-30' of topic 'a' is not a date like 2026-06-18");
  CHECK(found[2] == "topics.yaml:8:5: topic 'b' has a 'source' but no 'checked' date");
  CHECK(found[3] == "topics.yaml:13:5: topic 'c' has a 'checked' date but no 'source'");

  Diagnostics meeting_diagnostics;
  parse_meetings("meetings:\n  - id: m\n    title: M\n    day: thursday\n    time: \"13:00\"\n    source: zoom link\n"
                 "    checked: 24.07.2025\n",
                 "meetings.yaml", meeting_diagnostics);
  const auto meeting_found = messages(meeting_diagnostics);
  INFO(Catch::Detail::stringify(meeting_found));
  REQUIRE(meeting_found.size() == 2);
  CHECK(meeting_found[0] == "meetings.yaml:6:13: source 'zoom link' of meeting 'm' is not an http(s) URL");
  CHECK(meeting_found[1] == "meetings.yaml:7:14: checked date '24.07.2025' of meeting 'm' is not a date like 2026-06-18");
}

TEST_CASE("every shipped topic and meeting says where and when it was checked", "[knowledge][provenance]") {
  const auto knowledge = test::project_knowledge();
  REQUIRE(knowledge);
  for (const auto& topic : knowledge->topics()) {
    INFO("topic " << topic.id);
    CHECK(topic.provenance.source.starts_with("https://"));
    CHECK(parse_iso_date(topic.provenance.checked));
  }
  for (const auto& meeting : knowledge->meetings()) {
    INFO("meeting " << meeting.id);
    CHECK(meeting.provenance.source.starts_with("https://"));
    CHECK(parse_iso_date(meeting.provenance.checked));
  }
}

TEST_CASE("the shipped knowledge base carries no link its sources have replaced", "[knowledge][provenance]") {
  // The website dropped the zoom.us calendar for the LFX one (383a921, 2025-07-24) and its install
  // link into the archived documentation repository (bedc149, 2024-12-09).
  const std::vector<std::string> replaced{"zoom.us/meeting/", "github.com/kata-containers/documentation"};
  const auto knowledge = test::project_knowledge();
  REQUIRE(knowledge);
  std::vector<std::string> texts;
  for (const auto& topic : knowledge->topics()) {
    texts.push_back(topic.summary);
    texts.push_back(topic.details);
    for (const auto& link : topic.links) texts.push_back(link.url);
  }
  for (const auto& meeting : knowledge->meetings()) {
    texts.insert(texts.end(), {meeting.description, meeting.agenda, meeting.join});
  }
  for (const auto& text : texts) {
    for (const auto& dead : replaced) {
      INFO(text);
      CHECK(text.find(dead) == std::string::npos);
    }
  }
  CHECK(knowledge->find_meeting("architecture-committee")->join ==
        "https://zoom-lfx.platform.linuxfoundation.org/meetings/kata-containers");
}

TEST_CASE("reminder offsets that overflow or exceed 30 days are errors with their position", "[knowledge][meetings]") {
  const std::string text = R"(meetings:
  - id: m
    title: M
    day: thursday
    time: "13:00"
    reminders: [384307168202282326d, 9223372036854775807s, 99999999999999999999s, 30d1s, 30d, 719h60m]
)";
  Diagnostics diagnostics;
  const auto meetings = parse_meetings(text, "meetings.yaml", diagnostics);
  const auto found = messages(diagnostics);
  INFO(Catch::Detail::stringify(found));
  REQUIRE(found.size() == 4);
  CHECK(found[0] == "meetings.yaml:6:17: reminder '384307168202282326d' is not a duration like 24h, 15m, 1d or 90s (at most 30d)");
  CHECK(found[1].starts_with("meetings.yaml:6:38: reminder '9223372036854775807s' is not a duration"));
  CHECK(found[2].starts_with("meetings.yaml:6:60: reminder '99999999999999999999s' is not a duration"));
  CHECK(found[3].starts_with("meetings.yaml:6:83: reminder '30d1s' is not a duration"));
  REQUIRE(meetings.size() == 1);
  CHECK(meetings[0].reminders == std::vector<std::chrono::seconds>{std::chrono::days(30), std::chrono::days(30)});
}

TEST_CASE("durations parse and format both ways", "[knowledge]") {
  CHECK(parse_duration("24h") == std::chrono::hours(24));
  CHECK(parse_duration("15m") == std::chrono::minutes(15));
  CHECK(parse_duration("1d") == std::chrono::hours(24));
  CHECK(parse_duration("90s") == std::chrono::seconds(90));
  CHECK(parse_duration("1h30m") == std::chrono::minutes(90));
  CHECK_FALSE(parse_duration(""));
  CHECK_FALSE(parse_duration("15"));
  CHECK_FALSE(parse_duration("m"));
  CHECK_FALSE(parse_duration("15x"));
  CHECK_FALSE(parse_duration("-5m"));
  CHECK(parse_duration("30d") == longest_duration);
  CHECK_FALSE(parse_duration("30d1s"));
  CHECK_FALSE(parse_duration("1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d1d"));
  CHECK_FALSE(parse_duration("384307168202282326d"));
  CHECK_FALSE(parse_duration("9223372036854775807s"));
  CHECK(format_duration(std::chrono::minutes(90)) == "1h30m");
  CHECK(format_duration(std::chrono::minutes(15)) == "15m");
}

TEST_CASE("URLs are checked", "[knowledge]") {
  CHECK(is_valid_url("https://github.com/kata-containers"));
  CHECK(is_valid_url("http://webchat.oftc.net/?channels=kata-dev"));
  CHECK(is_valid_url("mailto:info@katacontainers.io"));
  CHECK_FALSE(is_valid_url("github.com/kata-containers"));
  CHECK_FALSE(is_valid_url("https://"));
  CHECK_FALSE(is_valid_url("https://exa mple.org"));
  CHECK_FALSE(is_valid_url("mailto:nobody"));
}
