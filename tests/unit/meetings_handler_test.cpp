#include <catch2/catch.hpp>

#include "handlers/meetings_handler.hpp"
#include "handlers/time_format.hpp"
#include "handlers/user_echo.hpp"
#include "handlers/zone_argument.hpp"
#include "test_support.hpp"

using namespace katabot;
using namespace std::chrono_literals;

namespace {

Meeting architecture_committee() {
  auto meeting = test::architecture_committee();
  meeting.join = "https://zoom.us/meeting/x/ics";
  meeting.skip = {date::year{2026} / 12 / 24};
  return meeting;
}

const KnowledgeBase knowledge({}, {architecture_committee()});

Request request(std::string args = {}, std::string zone = {}) {
  return Request{"next", std::move(args), "!", std::move(zone)};
}

}  // namespace

TEST_CASE("durations read like people say them", "[time]") {
  CHECK(describe_duration(0s) == "less than a minute");
  CHECK(describe_duration(59s) == "less than a minute");
  CHECK(describe_duration(60s) == "1 minute");
  CHECK(describe_duration(14min + 50s) == "15 minutes");
  CHECK(describe_duration(65min) == "1 hour 5 minutes");
  CHECK(describe_duration(2h) == "2 hours");
  CHECK(describe_duration(24h * 2 + 3h + 10min) == "2 days 3 hours");
  CHECK(describe_duration(24h * 5 + 10min) == "5 days");
}

TEST_CASE("next gives the coming Thursday 13:00 UTC with a countdown", "[meetings]") {
  // Friday 2026-11-27 12:00 UTC → Thursday 2026-12-03 13:00 UTC: 6 days 1 hour.
  const ManualClock clock(test::at_utc(2026, 11, 27, 12));
  const auto reply = next_meeting_reply(request(), knowledge, clock);
  CHECK(reply.text == "Next: Architecture Committee, Thu 03 Dec 2026 13:00 UTC, in 6 days 1 hour. Agenda: "
                      "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs");
  CHECK(reply.links.at(0).url == "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs");
  CHECK(reply.links.at(1).url == "https://zoom.us/meeting/x/ics");
}

TEST_CASE("next says when a meeting is happening now", "[meetings]") {
  const ManualClock clock(test::at_utc(2026, 12, 3, 13, 20));
  const auto reply = next_meeting_reply(request(), knowledge, clock);
  CHECK(reply.text.find("Thu 03 Dec 2026 13:00 UTC, happening now (started 20 minutes ago)") != std::string::npos);
}

TEST_CASE("next skips the dates with no meeting", "[meetings]") {
  const ManualClock clock(test::at_utc(2026, 12, 18, 14));
  const auto reply = next_meeting_reply(request(), knowledge, clock);
  CHECK(reply.text.find("Thu 31 Dec 2026 13:00 UTC") != std::string::npos);
}

TEST_CASE("times are shown in the zone asked for, and in the asker's zone", "[meetings]") {
  const ManualClock clock(test::at_utc(2026, 11, 27, 12));
  const auto berlin = next_meeting_reply(request("Europe/Berlin"), knowledge, clock);
  CHECK(berlin.text.find("Thu 03 Dec 2026 13:00 UTC / Thu 03 Dec 2026 14:00 CET (Europe/Berlin)") != std::string::npos);
  // Summer time in Los Angeles: 13:00 UTC is 06:00 PDT.
  const ManualClock summer(test::at_utc(2026, 7, 1));
  const auto los_angeles = meetings_reply(request("america/los_angeles"), knowledge, summer);
  CHECK(los_angeles.text.find("Thu 02 Jul 2026 06:00 PDT (America/Los_Angeles)") != std::string::npos);
  // The asker's own zone (Slack users.info) when none is named.
  const auto asker = next_meeting_reply(request({}, "Asia/Tokyo"), knowledge, clock);
  CHECK(asker.text.find("Thu 03 Dec 2026 22:00 JST (Asia/Tokyo)") != std::string::npos);
}

TEST_CASE("an unknown zone gets the answer and a hint", "[meetings]") {
  const ManualClock clock(test::at_utc(2026, 11, 27, 12));
  const auto reply = meetings_reply(request("Mars/Olympus"), knowledge, clock);
  CHECK(reply.text.starts_with("(I don't know the time zone \"Mars/Olympus\": use an IANA name such as Europe/Berlin, "
                               "a city such as Bangalore, or an abbreviation such as CET.)\n"
                               "Architecture Committee: Thursdays 13:00 UTC"));
  CHECK(reply.links.at(0).url == "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs");
  const auto next = next_meeting_reply(request("utc+99"), knowledge, clock);
  CHECK(next.text.starts_with("(I don't know the time zone \"utc+99\""));
  CHECK(next.text.find("\nNext: Architecture Committee, Thu 03 Dec 2026 13:00 UTC, in 6 days 1 hour.") != std::string::npos);
}

TEST_CASE("zone arguments are taken only when they name a zone", "[meetings][zone]") {
  const auto zone = [](std::string_view words) {
    const auto* found = parse_zone_argument(words).zone;
    return found == nullptr ? std::string("(none)") : found->name();
  };
  CHECK(zone("Europe/Berlin") == "Europe/Berlin");
  CHECK(zone("europe/BERLIN") == "Europe/Berlin");
  CHECK(zone("CET") == "Europe/Berlin");
  CHECK(zone("pst") == "America/Los_Angeles");
  CHECK(zone("PT") == "America/Los_Angeles");
  CHECK(zone("EST") == "America/New_York");
  CHECK(zone("IST") == "Asia/Kolkata");
  CHECK(zone("JST") == "Asia/Tokyo");
  CHECK(zone("BST") == "Europe/London");
  CHECK(zone("berlin") == "Europe/Berlin");
  CHECK(zone("in new york please") == "America/New_York");
  CHECK(zone("bangalore time?") == "Asia/Kolkata");
  CHECK(zone("UTC+2") == "Etc/GMT-2");
  CHECK(zone("one please") == "(none)");
  CHECK(zone("alice bob carol dave erin") == "(none)");
  CHECK(zone("meeting after christmas") == "(none)");
  CHECK(parse_zone_argument("one please").unknown.empty());
  CHECK(parse_zone_argument("for Mars/Olympus").unknown == "Mars/Olympus");
}

TEST_CASE("words that name no zone are ignored and the command still answers", "[meetings][zone]") {
  const ManualClock clock(test::at_utc(2026, 11, 27, 12));
  const auto plain = next_meeting_reply(request(), knowledge, clock);
  CHECK(next_meeting_reply(request("one please"), knowledge, clock).text == plain.text);
  const auto berlin = next_meeting_reply(request("berlin"), knowledge, clock);
  CHECK(berlin.text.find("14:00 CET (Europe/Berlin)") != std::string::npos);
  const auto india = meetings_reply(request("IST"), knowledge, clock);
  CHECK(india.text.find("18:30 IST (Asia/Kolkata)") != std::string::npos);
}

TEST_CASE("arguments are never echoed as a list of words (no mass highlight)", "[meetings][echo]") {
  const ManualClock clock(test::at_utc(2026, 11, 27, 12));
  const std::string nicks = "alice bob carol dave erin frank grace heidi ivan judy";
  for (const auto& args : {nicks, std::string("alice,bob,carol,dave,erin"), std::string("Mars/Olympus/and/a/very/long/name")}) {
    const auto next = next_meeting_reply(request(args), knowledge, clock);
    const auto all = meetings_reply(request(args), knowledge, clock);
    CHECK(next.text.find("Next: Architecture Committee") != std::string::npos);
    CHECK(all.text.find("Architecture Committee: Thursdays") != std::string::npos);
    for (const auto& word : {"alice", "carol", "Olympus"}) {
      INFO(word);
      CHECK(next.text.find(word) == std::string::npos);
      CHECK(all.text.find(word) == std::string::npos);
    }
  }
  CHECK(may_echo("Mars/Olympus"));
  CHECK_FALSE(may_echo("alice,bob"));
  CHECK_FALSE(may_echo("alice bob"));
  CHECK_FALSE(may_echo("abcdefghijklmnopqrstu"));  // 21 bytes
  CHECK_FALSE(may_echo(""));
}

TEST_CASE("meetings lists day, time, agenda and calendar links", "[meetings]") {
  const ManualClock clock(test::at_utc(2026, 11, 27, 12));
  const auto reply = meetings_reply(request(), knowledge, clock);
  CHECK(reply.text.starts_with("Architecture Committee: Thursdays 13:00 UTC, weekly, 60 min. Next: Thu 03 Dec 2026"));
  CHECK(reply.text.find("Agenda: https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs") !=
        std::string::npos);
  CHECK(reply.text.find("Calendar: https://zoom.us/meeting/x/ics") != std::string::npos);
  CHECK(reply.mrkdwn.starts_with("*Architecture Committee* — Thursdays 13:00 UTC"));
  CHECK(reply.links.size() == 2);
}
