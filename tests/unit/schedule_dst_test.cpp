// Schedule arithmetic against dates computed independently (Python zoneinfo): DST in both
// directions, ISO week parity across a 53-week year, skip dates.
#include <catch2/catch.hpp>

#include "knowledge/schedule.hpp"
#include "tests/unit/schedule_test_meetings.hpp"

using namespace katabot;
using katabot::test::meeting_from_yaml;
using katabot::test::utc;

namespace {

std::vector<std::chrono::sys_seconds> starts(const std::string& entry, std::chrono::sys_seconds from, std::size_t count) {
  return next_occurrences(meeting_from_yaml(entry), from, count);
}

}  // namespace

TEST_CASE("weekly meeting keeps its local time across both DST changes in Berlin", "[schedule]") {
  const auto entry = R"(  - {id: ac, title: AC, day: thursday, time: "13:00", timezone: Europe/Berlin})";
  CHECK(starts(entry, utc(2026, 3, 20), 3) ==
        std::vector{utc(2026, 3, 26, 12), utc(2026, 4, 2, 11), utc(2026, 4, 9, 11)});
  CHECK(starts(entry, utc(2026, 10, 20), 3) ==
        std::vector{utc(2026, 10, 22, 11), utc(2026, 10, 29, 12), utc(2026, 11, 5, 12)});
}

TEST_CASE("a start in the spring-forward gap happens once, shifted by the gap (RFC 5545)", "[schedule]") {
  // 02:30 does not exist on 2026-03-29 in Berlin nor on 2026-03-08 in New York.
  const auto berlin = R"(  - {id: b, title: B, day: sunday, time: "02:30", timezone: Europe/Berlin})";
  CHECK(starts(berlin, utc(2026, 3, 21), 3) ==
        std::vector{utc(2026, 3, 22, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 4, 5, 0, 30)});
  const auto new_york = R"(  - {id: n, title: N, day: sunday, time: "02:30", timezone: America/New_York})";
  CHECK(starts(new_york, utc(2026, 3, 1), 3) ==
        std::vector{utc(2026, 3, 1, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 15, 6, 30)});
}

TEST_CASE("a start in the fall-back fold happens once, at the first of the two instants", "[schedule]") {
  const auto berlin = R"(  - {id: b, title: B, day: sunday, time: "02:30", timezone: Europe/Berlin})";
  CHECK(starts(berlin, utc(2026, 10, 18), 3) ==
        std::vector{utc(2026, 10, 18, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 11, 1, 1, 30)});
  const auto new_york = R"(  - {id: n, title: N, day: sunday, time: "01:30", timezone: America/New_York})";
  CHECK(starts(new_york, utc(2026, 10, 25), 3) ==
        std::vector{utc(2026, 10, 25, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 8, 6, 30)});
  // Asking from inside the fold does not produce the second instant.
  CHECK(starts(new_york, utc(2026, 11, 1, 5, 31), 1) == std::vector{utc(2026, 11, 8, 6, 30)});
}

TEST_CASE("ISO week numbers around a 53-week year", "[schedule]") {
  using namespace date;
  CHECK(iso_week_number(2026_y / 12 / 31) == 53);
  CHECK(iso_week_number(2027_y / 1 / 3) == 53);
  CHECK(iso_week_number(2027_y / 1 / 4) == 1);
  CHECK(iso_week_number(2025_y / 12 / 29) == 1);
  CHECK(iso_week_number(2032_y / 12 / 30) == 53);
}

TEST_CASE("biweekly parity follows ISO weeks through week 53", "[schedule]") {
  // Week 53 of 2026 and week 1 of 2027 are both odd: the odd meeting happens two weeks running,
  // the even one skips three weeks.
  const auto odd = R"(  - {id: o, title: O, day: thursday, time: "13:00", frequency: biweekly-odd})";
  CHECK(starts(odd, utc(2026, 12, 10), 4) ==
        std::vector{utc(2026, 12, 17, 13), utc(2026, 12, 31, 13), utc(2027, 1, 7, 13), utc(2027, 1, 21, 13)});
  const auto even = R"(  - {id: e, title: E, day: thursday, time: "13:00", frequency: biweekly-even})";
  CHECK(starts(even, utc(2026, 12, 10), 3) ==
        std::vector{utc(2026, 12, 10, 13), utc(2026, 12, 24, 13), utc(2027, 1, 14, 13)});
}

TEST_CASE("skip dates are local dates of the meeting's zone", "[schedule]") {
  const auto entry = R"(  - id: ac
    title: AC
    day: thursday
    time: "13:00"
    skip: [2026-12-24, 2026-12-31])";
  CHECK(starts(entry, utc(2026, 12, 17, 14), 2) == std::vector{utc(2027, 1, 7, 13), utc(2027, 1, 14, 13)});
  // Late evening in Los Angeles is already the next day in UTC: the skip date is the local one.
  const auto late = R"(  - id: la
    title: LA
    day: thursday
    time: "20:00"
    timezone: America/Los_Angeles
    skip: [2026-12-24])";
  CHECK(starts(late, utc(2026, 12, 20), 2) == std::vector{utc(2027, 1, 1, 4), utc(2027, 1, 8, 4)});
}

TEST_CASE("occurrences exactly at `from` are included, merged meetings are in time order", "[schedule]") {
  const auto meetings = katabot::test::meetings_from_yaml(R"(  - {id: a, title: A, day: thursday, time: "13:00"}
  - {id: b, title: B, day: wednesday, time: "09:00", timezone: America/New_York}
)");
  const auto merged = next_occurrences(meetings, utc(2026, 12, 3, 13), 3);
  REQUIRE(merged.size() == 3);
  CHECK(merged[0].start == utc(2026, 12, 3, 13));
  CHECK(merged[0].meeting->id == "a");
  CHECK(merged[1].start == utc(2026, 12, 9, 14));
  CHECK(merged[1].meeting->id == "b");
  CHECK(merged[2].start == utc(2026, 12, 10, 13));
}
