// The iCalendar feed: RFC 5545 syntax (CRLF, folding, escaping), stable UIDs, and biweekly
// meetings split at 53-week ISO years so that the feed matches the bot's own schedule.
#include <catch2/catch.hpp>

#include <algorithm>
#include <sstream>

#include "knowledge/ics.hpp"
#include "tests/unit/schedule_test_meetings.hpp"

using namespace katabot;
using katabot::test::meetings_from_yaml;
using katabot::test::utc;

namespace {

const char* const meetings_yaml = R"(  - id: architecture-committee
    title: Architecture Committee
    description: "Weekly; all welcome, really\nbring questions"
    day: thursday
    time: "13:00"
    agenda: https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs
    join: https://zoom.us/j/123456789
    reminders: [24h, 15m]
    skip: [2026-12-24, 2026-12-31, 2026-12-25]
  - id: berlin-odd
    title: Berlin biweekly – ödd week
    day: thursday
    time: "13:00"
    timezone: Europe/Berlin
    frequency: biweekly-odd
    skip: [2027-01-07]
)";

// Unfolded content lines.
std::vector<std::string> content_lines(const std::string& ics) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < ics.size()) {
    const auto end = ics.find("\r\n", start);
    const auto line = ics.substr(start, end - start);
    if (!line.empty() && line[0] == ' ') {
      lines.back() += line.substr(1);
    } else {
      lines.push_back(line);
    }
    start = end + 2;
  }
  return lines;
}

std::vector<std::string> with_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  std::vector<std::string> found;
  std::copy_if(lines.begin(), lines.end(), std::back_inserter(found),
               [&](const auto& line) { return line.starts_with(prefix); });
  return found;
}

}  // namespace

TEST_CASE("ics lines end in CRLF and are folded at 75 octets without splitting UTF-8", "[ics]") {
  const auto ics = render_ics(meetings_from_yaml(meetings_yaml), utc(2026, 11, 27, 18, 30));
  REQUIRE(ics.ends_with("END:VCALENDAR\r\n"));
  std::size_t start = 0;
  while (start < ics.size()) {
    const auto end = ics.find("\r\n", start);
    REQUIRE(end != std::string::npos);
    const auto line = ics.substr(start, end - start);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.size() <= 75);
    start = end + 2;
  }
  const std::string long_line = "SUMMARY:" + std::string(70, 'a') + "ööö" + std::string(80, 'b');
  const auto folded = fold_ics_line(long_line);
  CHECK(folded.substr(0, 77) == long_line.substr(0, 75) + "\r\n");
  std::string unfolded;
  for (std::size_t i = 0; i < folded.size(); ++i) {
    if (folded.compare(i, 3, "\r\n ") == 0) {
      i += 2;
      continue;
    }
    unfolded += folded[i];
  }
  CHECK(unfolded == long_line);
  // 70 + 'S'…: the cut before 75 octets falls inside "ö" (2 octets) and must move back.
  const std::string utf8 = std::string(74, 'x') + "ö";
  CHECK(fold_ics_line(utf8) == std::string(74, 'x') + "\r\n ö");
}

TEST_CASE("ics text is escaped", "[ics]") {
  CHECK(escape_ics_text("a;b,c\\d\ne") == "a\\;b\\,c\\\\d\\ne");
  const auto lines = content_lines(render_ics(meetings_from_yaml(meetings_yaml), utc(2026, 11, 27)));
  CHECK(with_prefix(lines, "DESCRIPTION:Weekly\\; all welcome\\, really\\nbring questions\\nAgenda: https://").size() == 1);
}

TEST_CASE("weekly meetings: one open RRULE, EXDATE for skip dates that fall on a meeting", "[ics]") {
  const auto lines = content_lines(render_ics(meetings_from_yaml(meetings_yaml), utc(2026, 11, 27, 18, 30)));
  CHECK(with_prefix(lines, "UID:architecture-committee@").size() == 1);
  CHECK(with_prefix(lines, "DTSTART:20261203T130000Z").size() == 1);
  CHECK(with_prefix(lines, "RRULE:FREQ=WEEKLY;BYDAY=TH") ==
        std::vector<std::string>{"RRULE:FREQ=WEEKLY;BYDAY=TH", "RRULE:FREQ=WEEKLY;BYDAY=TH;INTERVAL=2;UNTIL=20261231T120000Z",
                                 "RRULE:FREQ=WEEKLY;BYDAY=TH;INTERVAL=2;UNTIL=20321230T120000Z"});
  // 25 December is a Friday: no meeting to exclude.
  CHECK(with_prefix(lines, "EXDATE:") == std::vector<std::string>{"EXDATE:20261224T130000Z", "EXDATE:20261231T130000Z"});
  CHECK(with_prefix(lines, "DURATION:PT60M").size() == 3);
  CHECK(with_prefix(lines, "URL:https://zoom.us/j/123456789").size() == 1);
}

TEST_CASE("biweekly meetings are split where ISO week 53 breaks INTERVAL=2", "[ics]") {
  const auto lines = content_lines(render_ics(meetings_from_yaml(meetings_yaml), utc(2026, 11, 27, 18, 30)));
  // Weeks 49, 51, 53 of 2026 in one series; week 1 of 2027 starts the next (same parity, one week later).
  CHECK(with_prefix(lines, "UID:berlin-odd") == std::vector<std::string>{"UID:berlin-odd-2021@katabot.katacontainers.io",
                                                                          "UID:berlin-odd-2027@katabot.katacontainers.io"});
  CHECK(with_prefix(lines, "DTSTART;TZID=Europe/Berlin:") ==
        std::vector<std::string>{"DTSTART;TZID=Europe/Berlin:20261203T130000", "DTSTART;TZID=Europe/Berlin:20270107T130000"});
  CHECK(with_prefix(lines, "EXDATE;TZID=Europe/Berlin:") ==
        std::vector<std::string>{"EXDATE;TZID=Europe/Berlin:20270107T130000"});
}

TEST_CASE("a zone with DST gets a VTIMEZONE with its real transitions and UTC gets none", "[ics]") {
  const auto lines = content_lines(render_ics(meetings_from_yaml(meetings_yaml), utc(2026, 11, 27, 18, 30)));
  CHECK(with_prefix(lines, "BEGIN:VTIMEZONE").size() == 1);
  CHECK(with_prefix(lines, "TZID:").size() == 1);
  const auto starts = with_prefix(lines, "DTSTART:2027");
  CHECK(std::find(starts.begin(), starts.end(), "DTSTART:20270328T020000") != starts.end());
  CHECK(std::find(starts.begin(), starts.end(), "DTSTART:20271031T030000") != starts.end());
  CHECK(std::find(lines.begin(), lines.end(), "TZOFFSETTO:+0200") != lines.end());
  CHECK(std::find(lines.begin(), lines.end(), "TZNAME:CEST") != lines.end());
}

TEST_CASE("the feed is deterministic within a day and its UIDs stable across days", "[ics]") {
  const auto meetings = meetings_from_yaml(meetings_yaml);
  CHECK(render_ics(meetings, utc(2026, 11, 27, 0, 0, 1)) == render_ics(meetings, utc(2026, 11, 27, 23, 59, 59)));
  const auto uids = [&](std::chrono::sys_seconds now) { return with_prefix(content_lines(render_ics(meetings, now)), "UID:"); };
  CHECK(uids(utc(2026, 11, 27)) == uids(utc(2026, 12, 15)));
  CHECK(with_prefix(content_lines(render_ics(meetings, utc(2026, 11, 27))), "DTSTAMP:20261127T000000Z").size() == 3);
}
