// Reminder planning (what is due, late or skipped, and when to wake next) and reminder text.
#include <catch2/catch.hpp>

#include <set>

#include <nlohmann/json.hpp>

#include "bot/config.hpp"
#include "bot/render.hpp"
#include "bot/scheduler/reminder_plan.hpp"
#include "bot/scheduler/reminder_text.hpp"
#include "tests/unit/schedule_test_meetings.hpp"

using namespace katabot;
using katabot::test::meetings_from_yaml;
using katabot::test::utc;

namespace {

const char* const committee = R"(  - id: ac
    title: Architecture Committee
    day: thursday
    time: "13:00"
    agenda: https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs
    join: https://zoom.us/j/123456789
    reminders: [24h, 15m]
    skip: [2026-12-24]
)";

const DefaultChannels defaults{{Platform::slack, {"C0123ABCD"}}, {Platform::irc, {"#kata-dev"}}};

ReminderPlan plan_at(const std::vector<Meeting>& meetings, std::chrono::sys_seconds now,
                     const std::set<ReminderKey>& done = {}) {
  return plan_reminders(meetings, defaults, now, [&](const ReminderKey& key) { return done.contains(key); });
}

}  // namespace

TEST_CASE("nothing due: the next wake-up is the earliest reminder", "[scheduler]") {
  const auto meetings = meetings_from_yaml(committee);
  const auto plan = plan_at(meetings, utc(2026, 12, 1, 9));
  CHECK(plan.due.empty());
  REQUIRE(plan.next_due);
  CHECK(*plan.next_due == utc(2026, 12, 2, 13));  // 24h before Thursday 3 December 13:00
}

TEST_CASE("a reminder is due at its exact second, once per platform and channel", "[scheduler]") {
  const auto meetings = meetings_from_yaml(committee);
  std::set<ReminderKey> done;
  for (const auto& reminder : plan_at(meetings, utc(2026, 12, 2, 13)).due) done.insert(reminder.key);
  REQUIRE(done.size() == 2);  // the 24h reminders

  CHECK(plan_at(meetings, utc(2026, 12, 3, 12, 44, 59), done).due.empty());
  CHECK(*plan_at(meetings, utc(2026, 12, 3, 12, 44, 59), done).next_due == utc(2026, 12, 3, 12, 45));
  const auto plan = plan_at(meetings, utc(2026, 12, 3, 12, 45), done);
  REQUIRE(plan.due.size() == 2);
  std::set<std::pair<Platform, std::string>> targets;
  for (const auto& reminder : plan.due) {
    CHECK(reminder.action == ReminderAction::post);
    CHECK(reminder.key.offset == std::chrono::minutes{15});
    CHECK(reminder.key.occurrence == utc(2026, 12, 3, 13));
    CHECK(reminder.due == utc(2026, 12, 3, 12, 45));
    targets.emplace(reminder.key.platform, reminder.key.channel);
  }
  CHECK(targets == std::set<std::pair<Platform, std::string>>{{Platform::irc, "#kata-dev"}, {Platform::slack, "C0123ABCD"}});
  // Once recorded, it is not due again; the next wake-up is the next meeting's 24h reminder.
  for (const auto& reminder : plan.due) done.insert(reminder.key);
  const auto after = plan_at(meetings, utc(2026, 12, 3, 12, 45, 1), done);
  CHECK(after.due.empty());
  CHECK(*after.next_due == utc(2026, 12, 9, 13));
}

TEST_CASE("catch-up: late reminders are posted only before the start, else skipped", "[scheduler]") {
  const auto meetings = meetings_from_yaml(committee);
  const auto first = plan_at(meetings, utc(2026, 12, 2, 13));
  std::set<ReminderKey> done;
  for (const auto& reminder : first.due) done.insert(reminder.key);
  REQUIRE(done.size() == 2);  // the 24h reminders

  SECTION("down from 12:40 to 12:57: the 15m reminder goes out late") {
    const auto plan = plan_at(meetings, utc(2026, 12, 3, 12, 57), done);
    REQUIRE(plan.due.size() == 2);
    for (const auto& reminder : plan.due) CHECK(reminder.action == ReminderAction::post_late);
  }
  SECTION("a few seconds after the due time is still on time") {
    const auto plan = plan_at(meetings, utc(2026, 12, 3, 12, 45, 20), done);
    REQUIRE(plan.due.size() == 2);
    for (const auto& reminder : plan.due) CHECK(reminder.action == ReminderAction::post);
  }
  SECTION("back after the start: recorded as skipped, and the wake-up is next week's") {
    const auto plan = plan_at(meetings, utc(2026, 12, 3, 13, 0), done);
    REQUIRE(plan.due.size() == 2);
    for (const auto& reminder : plan.due) CHECK(reminder.action == ReminderAction::skip);
    REQUIRE(plan.next_due);
    CHECK(*plan.next_due == utc(2026, 12, 9, 13));
  }
  SECTION("skip dates get no reminders: after 17 December the next is 30 December") {
    const auto plan = plan_at(meetings, utc(2026, 12, 17, 13, 0, 1), done);
    for (const auto& reminder : plan.due) CHECK(reminder.key.occurrence == utc(2026, 12, 17, 13));
    REQUIRE(plan.next_due);
    CHECK(*plan.next_due == utc(2026, 12, 30, 13));
  }
}

TEST_CASE("reminders are exact across DST: 15 minutes before the local start", "[scheduler]") {
  const auto meetings = meetings_from_yaml(R"(  - {id: b, title: B, day: thursday, time: "13:00", timezone: Europe/Berlin, reminders: [15m]}
)");
  CHECK(*plan_at(meetings, utc(2026, 3, 26, 13)).next_due == utc(2026, 4, 2, 10, 45));
  CHECK(*plan_at(meetings, utc(2026, 10, 22, 12)).next_due == utc(2026, 10, 29, 11, 45));
}

TEST_CASE("a meeting's announce lists override the default channels per platform", "[scheduler]") {
  const auto meetings = meetings_from_yaml(R"(  - id: ac
    title: AC
    day: thursday
    time: "13:00"
    reminders: [15m]
    announce:
      irc: ["#kata-general", "#kata-dev"]
      slack: []
)");
  CHECK(reminder_channels(meetings[0], Platform::irc, defaults) == std::vector<std::string>{"#kata-general", "#kata-dev"});
  CHECK(reminder_channels(meetings[0], Platform::slack, defaults).empty());
  const auto plan = plan_at(meetings, utc(2026, 12, 3, 12, 45));
  REQUIRE(plan.due.size() == 2);
  for (const auto& reminder : plan.due) CHECK(reminder.key.platform == Platform::irc);
  // A platform that is not configured gets nothing.
  const auto slack_only = plan_reminders(meetings, {{Platform::slack, {"C1"}}}, utc(2026, 12, 3, 12, 45),
                                         [](const ReminderKey&) { return false; });
  CHECK(slack_only.due.empty());
}

TEST_CASE("relative times read naturally", "[scheduler]") {
  using namespace std::chrono;
  CHECK(relative_time(minutes{15}) == "in 15 minutes");
  CHECK(relative_time(minutes{15} - seconds{1}) == "in 15 minutes");
  CHECK(relative_time(minutes{1}) == "in 1 minute");
  CHECK(relative_time(seconds{20}) == "now");
  CHECK(relative_time(hours{24}) == "in 24 hours");
  CHECK(relative_time(minutes{90}) == "in 1 hour 30 minutes");
  CHECK(relative_time(hours{48}) == "in 2 days");
}

TEST_CASE("reminder text: title, UTC and local start, relative time, agenda and join", "[scheduler]") {
  auto meeting = meetings_from_yaml(committee)[0];
  const auto reply = reminder_reply(meeting, utc(2026, 12, 3, 13), utc(2026, 12, 3, 12, 45), false);
  CHECK(reply.text ==
        "Reminder: Architecture Committee starts in 15 minutes — Thu 2026-12-03 13:00 UTC — agenda: "
        "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs — join: https://zoom.us/j/123456789");
  CHECK(reply.text.find('\n') == std::string::npos);
  CHECK(reply.visibility == Visibility::in_channel);
  CHECK(render_irc_lines(reply) == std::vector<std::string>{reply.text});
  CHECK(reply.mrkdwn.find("*Architecture Committee* starts in 15 minutes") != std::string::npos);
  CHECK(reply.mrkdwn.find("<https://zoom.us/j/123456789|Join>") != std::string::npos);
  const auto slack = render_slack_message(reply);
  CHECK(slack["blocks"][0]["type"] == "section");
  CHECK(slack["blocks"].size() == 1);

  const auto late = reminder_reply(meeting, utc(2026, 12, 3, 13), utc(2026, 12, 3, 12, 57), true);
  CHECK(late.text.starts_with("Reminder (late): Architecture Committee is starting in 3 minutes — "));

  meeting.zone = date::locate_zone("Europe/Berlin");
  CHECK(reminder_reply(meeting, utc(2026, 12, 3, 12), utc(2026, 12, 2, 12), false).text.find(
            "starts in 24 hours — Thu 2026-12-03 12:00 UTC (13:00 Europe/Berlin)") != std::string::npos);
}

TEST_CASE("the IRC reminder stays one line within its byte budget whatever the input", "[scheduler]") {
  auto meeting = meetings_from_yaml(committee)[0];
  meeting.title = std::string(300, 'x') + "\r\nPRIVMSG #evil :hi";
  meeting.join = "https://zoom.us/j/" + std::string(250, '9');
  const auto reply = reminder_reply(meeting, utc(2026, 12, 3, 13), utc(2026, 12, 3, 12, 45), false);
  CHECK(reply.text.size() <= max_irc_reminder_bytes);
  CHECK(reply.text.find_first_of("\r\n") == std::string::npos);
  CHECK(reply.text.find("agenda: https://etherpad") != std::string::npos);
  const auto lines = render_irc_lines(reply);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0] == reply.text);
}

TEST_CASE("a platform other than slack and irc gets no channel of theirs by accident", "[scheduler][platform]") {
  auto meetings = katabot::test::meetings_from_yaml(R"(  - id: ac
    title: AC
    day: thursday
    time: "13:00"
    reminders: [15m]
    announce: {slack: [C0ANNOUNCE], irc: ["#kata-general"]}
)");
  CHECK(reminder_channels(meetings[0], Platform::console, defaults).empty());
  const auto plan = plan_reminders(meetings, defaults, utc(2026, 12, 3, 12, 45), [](const ReminderKey&) { return false; });
  for (const auto& reminder : plan.due) CHECK(reminder.key.platform != Platform::console);

  Config config;
  config.irc.reminder_channels = {"#kata-dev"};
  config.slack.reminder_channels = {"C0123ABCD"};
  CHECK(reminder_channels_for(Platform::irc, config) == std::vector<std::string>{"#kata-dev"});
  CHECK(reminder_channels_for(Platform::slack, config) == std::vector<std::string>{"C0123ABCD"});
  CHECK(reminder_channels_for(Platform::console, config).empty());
}

TEST_CASE("platform names round-trip, any other word is no platform", "[scheduler][platform]") {
  for (const auto platform : {Platform::slack, Platform::irc, Platform::console}) {
    CHECK(parse_platform(platform_name(platform)) == platform);
  }
  CHECK(platform_name(Platform::irc) == "irc");
  CHECK_FALSE(parse_platform("IRC"));
  CHECK_FALSE(parse_platform("matrix"));
  CHECK_FALSE(parse_platform(""));
}
