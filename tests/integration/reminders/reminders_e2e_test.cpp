// The real katabot binary posts a meeting reminder on a real ircd-hybrid channel and on the fake
// Slack at its due time, exactly once, while being SIGKILLed and restarted around that time.
#include <catch2/catch.hpp>

#include <fstream>
#include <thread>

#include <date/date.h>

#include "tests/integration/irc/irc_fixture.hpp"
#include "tests/integration/slack/fake_slack.hpp"

using namespace katabot::test;
using namespace std::chrono_literals;
using std::chrono::system_clock;

namespace {

constexpr const char* meeting_title = "Reminder Check";
constexpr const char* admin_user = "U0ADMIN";

bool is_reminder(const std::string& line) {
  return line.rfind(":katabot!", 0) == 0 && line.find(" PRIVMSG #kata-dev :Reminder") != std::string::npos &&
         line.find(meeting_title) != std::string::npos;
}

bool is_join(const std::string& line) {
  return line.rfind(":katabot!", 0) == 0 && line.find(" JOIN") != std::string::npos;
}

// A meeting starting at a whole minute at least 90 s ahead, with one reminder due `lead` from now.
struct PlannedMeeting {
  system_clock::time_point start;
  system_clock::time_point due;
  std::string yaml;
};

PlannedMeeting meeting_due_in(std::chrono::seconds lead) {
  const auto now = std::chrono::floor<std::chrono::seconds>(system_clock::now());
  const auto start = std::chrono::ceil<std::chrono::minutes>(now + 90s);
  const auto due = now + lead;
  const auto offset = std::chrono::duration_cast<std::chrono::seconds>(start - due);
  std::string yaml = "meetings:\n  - id: reminder-check\n    title: " + std::string(meeting_title) +
                     "\n    day: " + date::format("%A", start) + "\n    time: \"" + date::format("%H:%M", start) +
                     "\"\n    timezone: UTC\n    agenda: https://etherpad.opendev.org/p/check\n"
                     "    join: https://zoom.us/j/42\n    reminders: [" + std::to_string(offset.count()) + "s]\n";
  return {start, due, yaml};
}

class Bot {
 public:
  Bot(const TempDir& dir, std::uint16_t irc_port, const FakeSlack& slack, const PlannedMeeting& meeting) {
    const auto knowledge = dir.path() / "knowledge";
    std::filesystem::create_directories(knowledge);
    std::filesystem::copy_file(std::filesystem::path(KATABOT_SOURCE_DIR) / "knowledge" / "topics.yaml",
                               knowledge / "topics.yaml", std::filesystem::copy_options::overwrite_existing);
    std::ofstream(knowledge / "meetings.yaml") << meeting.yaml;
    config_ = dir.path() / "katabot.yaml";
    std::ofstream(config_) << "bot:\n  name: katabot\n  knowledge_dir: knowledge\n  state_dir: "
                           << (dir.path() / "state").string() << "\n  log_level: debug\n"
                           << "  admins:\n    slack_users: [" << admin_user << "]\n"
                           << "slack:\n  enabled: true\n  app_token: xapp-1-A1-1-remindersecret\n"
                           << "  bot_token: xoxb-1-2-remindersecret\n  api_base: " << slack.api_base()
                           << "\n  command: /kata\n  reminder_channels: [C0REMIND]\n"
                           << "irc:\n  enabled: true\n  host: 127.0.0.1\n  port: " << irc_port
                           << "\n  tls: false\n  nick: katabot\n  alt_nicks: [katabot_]\n  channels: [\"#kata-dev\"]\n"
                           << "  reminder_channels: [\"#kata-dev\"]\n"
                           << "http:\n  listen: \"\"\n";
    log_ = dir.path() / "katabot.log";
  }
  void start() { process_ = Process({KATABOT_BINARY, "--config", config_.string()}, log_); }
  void kill() { process_.kill_now(); }
  std::string log() const { return read_file(log_); }

 private:
  std::filesystem::path config_;
  std::filesystem::path log_;
  Process process_;
};


// Starts the bot (killed once before the due time, then started again), waits for the reminder on
// both platforms and checks it was on time; returns once both were seen.
struct Scenario {
  HybridServer server;
  FakeSlack slack;
  LineSocket member = connect_member(server.port(), "alice", {"#kata-dev"});
  TempDir dir{"katabot-reminders"};
  // Room for two cold starts of a sanitizer build on a loaded machine before the due time.
  PlannedMeeting meeting = meeting_due_in(40s);
  Bot bot{dir, server.port(), slack, meeting};

  void run_until_posted() {
    INFO(meeting.yaml);
    // First run: connected, then killed well before the reminder is due.
    bot.start();
    REQUIRE(member.wait_for(is_join, 15s));
    bot.kill();
    REQUIRE(system_clock::now() < meeting.due - 5s);

    // Second run: posts at the due time.
    bot.start();
    REQUIRE(member.wait_for(is_join, 15s));
    REQUIRE(system_clock::now() < meeting.due);  // else the on-time checks below would measure a catch-up
    const auto time_left = std::chrono::duration_cast<std::chrono::milliseconds>(meeting.due - system_clock::now());
    const auto irc_reminder = member.wait_for(is_reminder, time_left + 5s);
    const auto irc_arrival = system_clock::now();
    INFO(bot.log());
    REQUIRE(irc_reminder);
    CHECK(irc_arrival >= meeting.due);
    CHECK(irc_arrival - meeting.due < 1s);
    CHECK(irc_reminder->find("Reminder: Reminder Check starts in ") != std::string::npos);
    CHECK(irc_reminder->find("https://zoom.us/j/42") != std::string::npos);
    CHECK(irc_reminder->size() < 512);

    const auto slack_posts = slack.wait_calls("chat.postMessage", 1, deadline_in(5s));
    REQUIRE(slack_posts.size() == 1);
    const auto message = slack_posts[0].json();
    CHECK(message["channel"] == "C0REMIND");
    CHECK(message["blocks"][0]["type"] == "section");
    CHECK(message["blocks"][0]["text"]["text"].get<std::string>().find(meeting_title) != std::string::npos);
    const auto due_on_steady_clock = std::chrono::steady_clock::now() - (system_clock::now() - meeting.due);
    CHECK(slack_posts[0].at - due_on_steady_clock < 1s);
  }

  // Whether the bot logged `text` within `within`; reads the channel meanwhile.
  bool wait_log(const std::string& text, std::chrono::milliseconds within) {
    const auto deadline = std::chrono::steady_clock::now() + within;
    while (bot.log().find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      member.read_line(20ms);
    }
    return true;
  }

  // Restarts the bot after a kill and counts reminders seen again on each platform.
  std::pair<int, std::size_t> repeats_after_restart() {
    bot.kill();
    bot.start();
    REQUIRE(member.wait_for(is_join, 15s));
    int irc = 0;
    while (member.wait_for(is_reminder, 4s)) ++irc;
    return {irc, slack.calls("chat.postMessage").size() - 1};
  }
};

}  // namespace

TEST_CASE("reminder on IRC and Slack exactly once and on time across SIGKILL and restarts",
          "[integration][reminders]") {
  Scenario scenario;
  scenario.run_until_posted();
  // Killed as soon as both posts are recorded (the log line follows the ledger's fsync), restarted:
  // nothing is repeated, both records are on disk.
  const bool irc_recorded = scenario.wait_log(" irc:#kata-dev posted", 10s);
  const bool slack_recorded = scenario.wait_log(" slack:C0REMIND posted", 10s);
  INFO(scenario.bot.log());
  REQUIRE(irc_recorded);
  REQUIRE(slack_recorded);
  const auto [irc_repeats, slack_repeats] = scenario.repeats_after_restart();
  CHECK(irc_repeats == 0);
  CHECK(slack_repeats == 0);
  const auto ledger = read_file(scenario.dir.path() / "state" / "reminders.ledger");
  CHECK(std::count(ledger.begin(), ledger.end(), '\n') == 2);
}

TEST_CASE("killed in the window between a post and its ledger record: the Slack post is found, not repeated",
          "[integration][reminders]") {
  // The fake Slack stores chat.postMessage and never answers it, so the bot cannot record the Slack
  // post; IRC accepted its post and the bot recorded it. Killed right then, restarted: before
  // posting a reminder it has no record of, the bot looks in the channel's history for the
  // message metadata carrying the reminder's key, finds it and records it instead of posting again.
  Scenario scenario;
  scenario.slack.hold_next("chat.postMessage");
  scenario.run_until_posted();
  const bool irc_recorded = scenario.wait_log(" irc:#kata-dev posted", 10s);
  INFO(scenario.bot.log());
  REQUIRE(irc_recorded);
  REQUIRE(scenario.bot.log().find(" slack:C0REMIND posted") == std::string::npos);

  const auto [irc_repeats, slack_repeats] = scenario.repeats_after_restart();
  CHECK(irc_repeats == 0);
  CHECK(slack_repeats == 0);
  CHECK(scenario.slack.history_reads() >= 1);
  CHECK(scenario.wait_log(" slack:C0REMIND found already posted", 10s));
  // Recorded now: a further restart repeats nothing either.
  const auto [irc_again, slack_again] = scenario.repeats_after_restart();
  CHECK(irc_again == 0);
  CHECK(slack_again == 0);
  CHECK(scenario.slack.channel_history("C0REMIND").size() == 1);
}

TEST_CASE("IRC down at the due time: the reminder follows when it is back, before the meeting starts",
          "[integration][reminders]") {
  Scenario scenario;
  scenario.bot.start();
  REQUIRE(scenario.member.wait_for(is_join, 15s));
  while (system_clock::now() < scenario.meeting.due - 3s) scenario.member.read_line(100ms);
  scenario.server.kill_now();

  // Slack is up: on time there.
  const auto slack_posts = scenario.slack.wait_calls("chat.postMessage", 1, deadline_in(10s));
  REQUIRE(slack_posts.size() == 1);
  std::this_thread::sleep_until(scenario.meeting.due + 5s);  // the outage lasts past the due time
  scenario.server.start();
  auto member = connect_member(scenario.server.port(), "alice", {"#kata-dev"});
  const auto time_left =
      std::chrono::duration_cast<std::chrono::milliseconds>(scenario.meeting.start - system_clock::now());
  const auto late = member.wait_for(is_reminder, time_left);
  INFO(scenario.bot.log());
  REQUIRE(late);
  CHECK(system_clock::now() < scenario.meeting.start);
  CHECK_FALSE(member.wait_for(is_reminder, 3s));
  CHECK(scenario.slack.calls("chat.postMessage").size() == 1);
  scenario.bot.kill();
}

namespace {

bool says(const std::string& line, const std::string& text) {
  return line.rfind(":katabot!", 0) == 0 && line.find(" PRIVMSG #kata-dev :") != std::string::npos &&
         line.find(text) != std::string::npos;
}

void slash(FakeSlack& slack, const std::string& id, const std::string& text, const std::string& user) {
  slack.send_envelope(slash_command_envelope(id, text, user, "C1", "http://127.0.0.1:" + std::to_string(slack.port()) + "/response/" + id));
  REQUIRE(slack.wait_ack(id, deadline_in(3s)));
}

}  // namespace

TEST_CASE("announce from Slack posts now on both platforms, and the scheduled reminder still posts exactly once",
          "[integration][reminders]") {
  Scenario scenario;
  scenario.bot.start();
  REQUIRE(scenario.member.wait_for(is_join, 15s));
  REQUIRE(scenario.slack.wait_hellos(1, deadline_in(10s)));

  slash(scenario.slack, "a-stranger", "announce reminder-check not allowed", "U0STRANGER");
  slash(scenario.slack, "a-admin", "announce reminder-check agenda changed", admin_user);
  INFO(scenario.bot.log());
  REQUIRE(scenario.member.wait_for(is_reminder, 5s));
  REQUIRE(scenario.member.wait_for([](const std::string& line) { return says(line, "Note: agenda changed"); }, 5s));
  const auto announced = scenario.slack.wait_calls("chat.postMessage", 1, deadline_in(5s));
  REQUIRE(announced.size() == 1);
  CHECK(announced[0].json()["channel"] == "C0REMIND");
  CHECK(announced[0].body.find("agenda changed") != std::string::npos);
  CHECK(system_clock::now() < scenario.meeting.due);

  const auto time_left = std::chrono::duration_cast<std::chrono::milliseconds>(scenario.meeting.due - system_clock::now());
  REQUIRE(scenario.member.wait_for(is_reminder, time_left + 5s));
  CHECK(system_clock::now() >= scenario.meeting.due);
  CHECK_FALSE(scenario.member.wait_for(is_reminder, 3s));
  CHECK(scenario.slack.calls("chat.postMessage").size() == 2);
  CHECK(scenario.bot.log().find("refused admin command 'announce reminder-check not allowed' from U0STRANGER") !=
        std::string::npos);
  scenario.bot.kill();
}

TEST_CASE("skip from Slack: echoed once to the channels, no reminder, and still skipped after a restart",
          "[integration][reminders]") {
  Scenario scenario;
  scenario.bot.start();
  REQUIRE(scenario.member.wait_for(is_join, 15s));
  REQUIRE(scenario.slack.wait_hellos(1, deadline_in(10s)));

  slash(scenario.slack, "s-admin", "skip reminder-check " + date::format("%F", scenario.meeting.start) + " holidays",
        admin_user);
  INFO(scenario.bot.log());
  REQUIRE(scenario.member.wait_for([](const std::string& line) { return says(line, "is cancelled: holidays"); }, 5s));
  CHECK_FALSE(scenario.member.wait_for([](const std::string& line) { return says(line, "is cancelled"); }, 1s));

  scenario.bot.kill();
  scenario.bot.start();
  REQUIRE(scenario.member.wait_for(is_join, 15s));
  const auto time_left = std::chrono::duration_cast<std::chrono::milliseconds>(scenario.meeting.due - system_clock::now());
  CHECK_FALSE(scenario.member.wait_for(is_reminder, time_left + 3s));
  // The echo went to Slack's reminder channel too; no reminder did.
  const auto posts = scenario.slack.calls("chat.postMessage");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].body.find("is cancelled: holidays") != std::string::npos);
  const auto log = scenario.bot.log();
  INFO(log);
  CHECK(log.find("skipped: cancelled: holidays") != std::string::npos);
  scenario.bot.kill();
}
