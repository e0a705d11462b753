// Skips and moves made from chat: the override log in state_dir (durable, checksummed, pruned),
// the schedule arithmetic that follows it, and the iCalendar feed that shows it.
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "bot/knowledge_store.hpp"
#include "bot/scheduler/broadcast.hpp"
#include "bot/scheduler/override_log.hpp"
#include "bot/scheduler/reminder_plan.hpp"
#include "knowledge/ics.hpp"
#include "knowledge/schedule.hpp"
#include "tests/unit/schedule_test_meetings.hpp"

using namespace katabot;
using katabot::test::architecture_committee;
using katabot::test::TempDir;
using katabot::test::utc;

namespace {

constexpr date::year_month_day dec24 = date::year{2026} / 12 / 24;
constexpr date::year_month_day dec31 = date::year{2026} / 12 / 31;

OccurrenceOverride skip(date::year_month_day day, std::string reason) {
  return {"architecture-committee", day, OccurrenceOverride::Kind::skip, std::move(reason)};
}

OccurrenceOverride move(date::year_month_day day, date::local_seconds to, const char* zone) {
  return {"architecture-committee", day, OccurrenceOverride::Kind::move, "", to, date::locate_zone(zone)};
}

date::local_seconds local(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  return date::local_days{date::year{y} / date::month{m} / date::day{d}} + std::chrono::hours{hour} +
         std::chrono::minutes{minute};
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

TEST_CASE("overrides survive a restart, and a clear is durable too", "[overrides]") {
  const TempDir dir;
  {
    OverrideLog log(dir.path());
    CHECK(log.set(skip(dec24, "holidays, see you in 2027")));
    CHECK(log.set(move(dec31, local(2026, 12, 30, 15, 30), "Europe/Berlin")));
    CHECK(log.set(skip(date::year{2027} / 1 / 7, "FOSDEM")));
    CHECK(log.clear("architecture-committee", date::year{2027} / 1 / 7));
  }
  const OverrideLog reopened(dir.path());
  CHECK(reopened.problems().empty());
  const std::vector<OccurrenceOverride> expected{skip(dec24, "holidays, see you in 2027"),
                                                 move(dec31, local(2026, 12, 30, 15, 30), "Europe/Berlin")};
  CHECK(reopened.overrides() == expected);
}

TEST_CASE("a corrupt or torn override line is reported with its line number and dropped", "[overrides]") {
  const TempDir dir;
  {
    OverrideLog log(dir.path());
    log.set(skip(dec24, "holidays"));
    log.set(skip(dec31, "holidays"));
  }
  auto text = read(dir.path() / OverrideLog::file_name);
  text[text.find("2026-12-31")] = '3';  // the checksum no longer matches
  std::ofstream(dir.path() / OverrideLog::file_name, std::ios::binary) << text << "v1 skip architecture";
  {
    const OverrideLog damaged(dir.path());
    REQUIRE(damaged.problems().size() == 2);
    CHECK(damaged.problems()[0].find(":2: 1 corrupt record") != std::string::npos);
    CHECK(damaged.problems()[1].find(":3: incomplete last record") != std::string::npos);
    CHECK(damaged.overrides() == std::vector<OccurrenceOverride>{skip(dec24, "holidays")});
  }
  // The damaged file was repaired, so the next start is clean.
  CHECK(OverrideLog(dir.path()).problems().empty());
}

TEST_CASE("compaction prunes overrides of past dates and keeps the rest", "[overrides]") {
  const TempDir dir;
  {
    OverrideLog log(dir.path());
    log.set(skip(dec24, "holidays"));
    log.set(skip(dec31, "holidays"));
    log.clear("architecture-committee", dec31);
    log.set(skip(date::year{2027} / 1 / 7, "FOSDEM"));
    REQUIRE(log.compact(date::year{2026} / 12 / 25));
  }
  const auto text = read(dir.path() / OverrideLog::file_name);
  CHECK(text.find("2026-12-24") == std::string::npos);
  CHECK(text.find("2026-12-31") == std::string::npos);
  CHECK(OverrideLog(dir.path()).overrides() == std::vector<OccurrenceOverride>{skip(date::year{2027} / 1 / 7, "FOSDEM")});
}

TEST_CASE("a skipped occurrence is gone from the schedule and listed as cancelled with its reason", "[overrides]") {
  auto meeting = architecture_committee();
  meeting.overrides = {skip(dec24, "holidays")};
  const auto starts = next_occurrences(meeting, utc(2026, 12, 20), 2);
  CHECK(starts == std::vector<std::chrono::sys_seconds>{utc(2026, 12, 31, 13), utc(2027, 1, 7, 13)});
  const auto cancelled = cancelled_occurrences(meeting, utc(2026, 12, 20), utc(2027, 1, 1));
  REQUIRE(cancelled.size() == 1);
  CHECK(cancelled[0].start == utc(2026, 12, 24, 13));
  CHECK(cancelled[0].skip->reason == "holidays");
  CHECK(cancelled_occurrences(meeting, utc(2026, 12, 25), utc(2027, 1, 1)).empty());
}

TEST_CASE("a moved occurrence is at its new time, in order, even when moved past the next one", "[overrides]") {
  auto meeting = architecture_committee();
  // Moved a day later, 15:30 Berlin (14:30 UTC); and the next one moved beyond the one after it.
  meeting.overrides = {move(dec24, local(2026, 12, 25, 15, 30), "Europe/Berlin"),
                       move(dec31, local(2027, 1, 8, 9), "UTC")};
  const auto starts = next_occurrences(meeting, utc(2026, 12, 20), 3);
  CHECK(starts == std::vector<std::chrono::sys_seconds>{utc(2026, 12, 25, 14, 30), utc(2027, 1, 7, 13), utc(2027, 1, 8, 9)});
  // Moved earlier than `from` while its regular date is after it: gone from what is ahead.
  meeting.overrides = {move(dec24, local(2026, 12, 19, 13), "UTC")};
  CHECK(next_occurrences(meeting, utc(2026, 12, 20), 1) == std::vector<std::chrono::sys_seconds>{utc(2026, 12, 31, 13)});
}

TEST_CASE("the feed has an EXDATE for a skip and a RECURRENCE-ID instance for a move", "[overrides][ics]") {
  auto meeting = architecture_committee();
  meeting.overrides = {skip(dec24, "holidays"), move(dec31, local(2026, 12, 30, 15, 30), "Europe/Berlin")};
  const auto feed = render_ics({meeting}, utc(2026, 12, 1));
  CHECK(feed.find("EXDATE:20261224T130000Z\r\n") != std::string::npos);
  CHECK(feed.find("EXDATE:20261231T130000Z") == std::string::npos);
  const auto instance = feed.find("RECURRENCE-ID:20261231T130000Z\r\nDTSTART:20261230T143000Z\r\n");
  REQUIRE(instance != std::string::npos);
  const auto begin = feed.rfind("BEGIN:VEVENT", instance);
  CHECK(feed.substr(begin, instance - begin).find("UID:architecture-committee@") != std::string::npos);
}

TEST_CASE("the knowledge store publishes overrides at once and finds them again after a restart", "[overrides]") {
  const TempDir state;
  const auto knowledge_dir = katabot::test::source_dir() / "knowledge";
  const auto next_ac = [](const KnowledgeStore& store) {
    return next_occurrences(*store.snapshot()->find_meeting("architecture-committee"), utc(2026, 12, 20), 1).at(0);
  };
  {
    KnowledgeStore store(knowledge_dir, CommandRegistry().reserved_words(), state.path());
    REQUIRE(store.reload().empty());
    const auto regular = next_ac(store);
    const auto day = date::year_month_day{std::chrono::floor<date::days>(regular)};
    REQUIRE(store.change_schedule({false, skip(day, "holidays")}).problem.empty());
    CHECK(next_ac(store) > regular);
  }
  KnowledgeStore restarted(knowledge_dir, CommandRegistry().reserved_words(), state.path());
  REQUIRE(restarted.reload().empty());
  const auto& meeting = *restarted.snapshot()->find_meeting("architecture-committee");
  REQUIRE(meeting.overrides.size() == 1);
  CHECK(meeting.overrides[0].reason == "holidays");
}

TEST_CASE("reminders of a skipped call are recorded as cancelled with the reason, and a moved call's follow it",
          "[overrides][scheduler]") {
  auto meeting = architecture_committee();
  meeting.reminders = {std::chrono::hours{24}, std::chrono::minutes{15}};
  meeting.overrides = {skip(dec24, "holidays"), move(dec31, local(2026, 12, 31, 15, 30), "Europe/Berlin")};
  const DefaultChannels channels{{Platform::irc, {"#kata-dev"}}};
  const auto nothing_done = [](const ReminderKey&) { return false; };

  const auto skipped = plan_reminders({meeting}, channels, utc(2026, 12, 24, 12, 50), nothing_done);
  REQUIRE(skipped.due.size() == 2);
  for (const auto& reminder : skipped.due) {
    CHECK(reminder.action == ReminderAction::cancelled);
    CHECK(reminder.cancel_reason == "holidays");
    CHECK(reminder.key.occurrence == utc(2026, 12, 24, 13));
  }
  // The moved call's 24h reminder is due a day before 14:30 UTC, not before 13:00.
  CHECK(skipped.next_due == utc(2026, 12, 30, 14, 30));

  const auto moved = plan_reminders({meeting}, channels, utc(2026, 12, 31, 14, 15), [](const ReminderKey& key) {
    return key.offset == std::chrono::hours{24} || key.occurrence == utc(2026, 12, 24, 13);
  });
  REQUIRE(moved.due.size() == 1);
  CHECK(moved.due[0].action == ReminderAction::post);
  CHECK(moved.due[0].key.occurrence == utc(2026, 12, 31, 14, 30));
}

TEST_CASE("an announcement is the next occurrence's reminder with the admin's note", "[overrides]") {
  auto meeting = architecture_committee();
  meeting.overrides = {skip(dec24, "holidays")};
  const KnowledgeBase knowledge({}, {meeting});
  const auto post = broadcast_reply({"architecture-committee", "agenda <changed>", true}, knowledge, utc(2026, 12, 23, 12));
  REQUIRE(post);
  CHECK(post->visibility == Visibility::in_channel);
  // The skipped 24 December call is not the one announced.
  CHECK(post->text.find("2026-12-31 13:00 UTC") != std::string::npos);
  CHECK(post->text.ends_with("\nNote: agenda <changed>"));
  CHECK(post->mrkdwn.ends_with("*Note:* agenda &lt;changed&gt;"));
  CHECK_FALSE(broadcast_reply({"gone", "", true}, knowledge, utc(2026, 12, 23, 12)));
}

TEST_CASE("a move further ahead does not hide the regular calls before it", "[overrides]") {
  auto meeting = architecture_committee();
  meeting.overrides = {move(dec31, local(2026, 12, 31, 15, 30), "UTC")};
  CHECK(next_occurrences(meeting, utc(2026, 12, 20), 1) == std::vector<std::chrono::sys_seconds>{utc(2026, 12, 24, 13)});
}

TEST_CASE("status lists the coming reminders with every channel, skipped calls left out", "[overrides][scheduler]") {
  auto meeting = architecture_committee();
  meeting.reminders = {std::chrono::hours{24}, std::chrono::minutes{15}};
  meeting.announce_irc = std::vector<std::string>{"#kata-dev", "#kata-general"};
  meeting.overrides = {skip(dec24, "holidays")};
  const DefaultChannels channels{{Platform::irc, {"#kata-dev"}}, {Platform::slack, {"C0123ABCD"}}};
  const auto upcoming = upcoming_reminders({meeting}, channels, utc(2026, 12, 23, 12), 2);
  REQUIRE(upcoming.size() == 2);
  CHECK(upcoming[0].due == utc(2026, 12, 30, 13));
  CHECK(upcoming[0].targets == std::vector<std::string>{"irc #kata-dev", "irc #kata-general", "slack C0123ABCD"});
  CHECK(upcoming[1].due == utc(2026, 12, 31, 12, 45));
}

TEST_CASE("the scheduler wakes for a skipped call's reminder even when its start is further than the longest offset",
          "[overrides][scheduler]") {
  auto meeting = architecture_committee();
  meeting.reminders = {std::chrono::minutes{15}};
  meeting.overrides = {skip(dec24, "holidays")};
  const auto plan = plan_reminders({meeting}, {{Platform::irc, {"#kata-dev"}}}, utc(2026, 12, 24, 9),
                                   [](const ReminderKey&) { return false; });
  CHECK(plan.due.empty());
  CHECK(plan.next_due == utc(2026, 12, 24, 12, 45));
}
