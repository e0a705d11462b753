// Reminders through the IRC adapter on a real ircd-hybrid: a reminder due while the bot cannot post
// in its channel yet is posted once it joins, and the ledger records it only once the server
// confirmed it.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <date/date.h>

#include "bot/scheduler/local_reminder_claims.hpp"
#include "bot/scheduler/reminder_scheduler.hpp"
#include "knowledge/meetings.hpp"
#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using katabot::test::BotRunner;
using katabot::test::connect_member;
using katabot::test::fast_tuning;
using katabot::test::HybridServer;
using katabot::test::plain_config;
using katabot::test::TempDir;
using namespace std::chrono_literals;
using std::chrono::steady_clock;

namespace {

bool bot_says_in_kata_dev(const std::string& line) {
  return line.rfind(":katabot!", 0) == 0 && line.find(" PRIVMSG #kata-dev :") != std::string::npos;
}

}  // namespace

TEST_CASE("irc reminders: a reminder due while the bot is kept out of its channel is posted once it joins, recorded only then",
          "[integration][irc][hybrid][post]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  member.send_line("MODE #kata-dev +i");  // the bot's JOIN gets 473 until this is lifted
  REQUIRE(member.wait_for("MODE #kata-dev +i", 5s));
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());

  Diagnostics diagnostics;
  auto meetings = parse_meetings("meetings:\n  - {id: ac, title: AC, day: thursday, time: \"13:00\", reminders: [15m]}\n",
                                 "meetings.yaml", diagnostics);
  REQUIRE(diagnostics.empty());
  const auto knowledge = std::make_shared<const KnowledgeBase>(std::vector<Topic>{}, std::move(meetings));
  const std::chrono::sys_seconds occurrence = date::sys_days{date::year{2026} / 12 / 3} + std::chrono::hours{13};
  const ReminderKey key{"ac", occurrence, std::chrono::minutes{15}, Platform::irc, "#kata-dev"};
  ManualClock clock(occurrence - std::chrono::minutes{15});  // due now; only the bot's thread reads it
  TempDir state("katabot-ledger");
  Metrics metrics;
  auto claims = std::make_unique<LocalReminderClaims>(state.path());
  const auto& ledger = claims->ledger();
  std::unique_ptr<ReminderScheduler> scheduler;
  auto finished = std::make_shared<std::promise<void>>();
  bot.call([&] {
    scheduler = std::make_unique<ReminderScheduler>(
        bot.call_executor(), [knowledge] { return knowledge; },
        ReminderTargets{{Platform::irc, {&bot.adapter(), {"#kata-dev"}}}}, std::move(claims), clock, metrics);
    boost::asio::co_spawn(
        bot.call_executor(), [&scheduler, finished]() -> boost::asio::awaitable<void> {
          co_await scheduler->run();
          finished->set_value();
        },
        boost::asio::detached);
    return true;
  });
  const auto recorded = [&] { return bot.call([&] { return ledger.find(key) != nullptr; }); };

  const auto registered_by = steady_clock::now() + 10s;
  while (bot.call([&] { return bot.adapter().current_nick(); }).empty() && steady_clock::now() < registered_by) {
    std::this_thread::sleep_for(50ms);
  }
  // Registered, refused by +i, retrying: the reminder waits, unposted and unrecorded.
  CHECK_FALSE(member.wait_for(bot_says_in_kata_dev, 1500ms));
  CHECK_FALSE(recorded());

  member.send_line("MODE #kata-dev -i");
  REQUIRE(member.wait_for(":katabot!", 15s));  // its JOIN, at the next retry
  const auto reminder = member.wait_for(bot_says_in_kata_dev, 10s);
  REQUIRE(reminder);
  CHECK(reminder->find("Reminder: AC starts in 15 minutes") != std::string::npos);
  const auto record_by = steady_clock::now() + 5s;
  while (!recorded() && steady_clock::now() < record_by) std::this_thread::sleep_for(20ms);
  CHECK(recorded());
  CHECK(bot.call([&] { return metrics.value("katabot_reminders_sent_total", {{"platform", "irc"}}); }) == 1);

  bot.call([&] {
    scheduler->stop();
    return true;
  });
  REQUIRE(finished->get_future().wait_for(5s) == std::future_status::ready);
  bot.call([&] {
    scheduler.reset();
    return true;
  });
}
