// The reminder scheduler driving fake adapters: on time, exactly once across restarts and a crash
// in the post→record window, retries while a target is down, skips once the meeting started.
#include <catch2/catch.hpp>

#include "bot/scheduler/local_reminder_claims.hpp"
#include "tests/unit/schedule_test_meetings.hpp"
#include "tests/unit/scheduler_test_support.hpp"

using namespace katabot;
using katabot::test::at_utc;
using katabot::scheduler_test::FakeAdapter;
using katabot::scheduler_test::Process;
using katabot::test::TempDir;

namespace {

const char* const committee = R"(  - id: ac
    title: Architecture Committee
    day: thursday
    time: "13:00"
    agenda: https://etherpad.opendev.org/p/ac
    join: https://zoom.us/j/1
    reminders: [24h, 15m]
)";

std::shared_ptr<const KnowledgeBase> knowledge_of(const char* meetings_yaml) {
  return std::make_shared<const KnowledgeBase>(std::vector<Topic>{}, katabot::test::meetings_from_yaml(meetings_yaml));
}

struct Fixture {
  TempDir dir;
  ManualClock clock{at_utc(2026, 12, 2, 12)};
  Metrics metrics;
  FakeAdapter irc{Platform::irc, clock};
  FakeAdapter slack{Platform::slack, clock};
  std::shared_ptr<const KnowledgeBase> knowledge = knowledge_of(committee);

  const ReminderLedger* ledger = nullptr;  // of the process started last

  std::unique_ptr<Process> start() {
    auto claims = std::make_unique<LocalReminderClaims>(dir.path());
    ledger = &claims->ledger();
    return std::make_unique<Process>(std::move(claims), clock, metrics, irc, slack, knowledge);
  }
  double sent(const char* platform) const { return metrics.value("katabot_reminders_sent_total", {{"platform", platform}}); }
};

}  // namespace

TEST_CASE("reminders go out at their time on every target, once, and not again after a restart", "[scheduler]") {
  Fixture f;
  auto bot = f.start();
  CHECK(f.irc.posts.empty());

  f.clock.set(at_utc(2026, 12, 2, 13));
  bot->wake();
  REQUIRE(f.irc.posts.size() == 1);
  REQUIRE(f.slack.posts.size() == 1);
  CHECK(f.irc.posts[0].channel == "#kata-dev");
  CHECK(f.slack.posts[0].channel == "C0123ABCD");
  CHECK(f.irc.posts[0].reply.text.starts_with("Reminder: Architecture Committee starts in 24 hours"));

  f.clock.set(at_utc(2026, 12, 3, 12, 45) + std::chrono::milliseconds{300});
  bot->wake();
  REQUIRE(f.irc.posts.size() == 2);
  CHECK(f.irc.posts[1].reply.text.starts_with("Reminder: Architecture Committee starts in 15 minutes"));
  CHECK(f.sent("irc") == 2);
  CHECK(f.sent("slack") == 2);

  bot->wake();  // woken again at the same time: nothing new
  CHECK(f.irc.posts.size() == 2);

  bot->stop();
  CHECK(bot->finished());
  bot = f.start();
  bot->wake();
  CHECK(f.irc.posts.size() == 2);
  CHECK(f.slack.posts.size() == 2);
  CHECK(f.ledger->size() == 4);
}

TEST_CASE("a crash between the post and its ledger record repeats that one post, no more", "[scheduler]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 2, 12, 59) + std::chrono::seconds{59});
  auto bot = f.start();
  f.irc.hang_after_accepting = true;
  f.clock.set(at_utc(2026, 12, 2, 13));
  bot->wake();
  REQUIRE(f.irc.posts.size() == 1);
  REQUIRE(f.slack.posts.size() == 1);
  bot.reset();  // killed: the IRC post was accepted but never recorded; the Slack one was

  f.irc.hang_after_accepting = false;
  bot = f.start();
  CHECK(f.irc.posts.size() == 2);  // repeated once, on restart
  CHECK(f.slack.posts.size() == 1);
  bot->wake();
  CHECK(f.irc.posts.size() == 2);
}

TEST_CASE("catch-up after downtime: late but before the start, marked as late", "[scheduler]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 2, 13));
  auto bot = f.start();
  REQUIRE(f.irc.posts.size() == 1);  // the 24h reminder, due now
  bot.reset();                       // down from here ...

  f.clock.set(at_utc(2026, 12, 3, 12, 57));  // ... until 3 minutes before the start
  bot = f.start();
  REQUIRE(f.irc.posts.size() == 2);
  CHECK(f.irc.posts[1].reply.text.starts_with("Reminder (late): Architecture Committee is starting in 3 minutes"));
  CHECK(f.slack.posts[1].reply.mrkdwn.find("is starting in 3 minutes") != std::string::npos);
}

TEST_CASE("back after the start: the reminders are recorded as skipped, not posted", "[scheduler]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 13, 5));
  auto bot = f.start();
  CHECK(f.irc.posts.empty());
  CHECK(f.metrics.value("katabot_reminders_skipped_total", {{"platform", "irc"}, {"reason", "meeting_started"}}) == 2);
  const auto* entry = f.ledger->find(
      {"ac", std::chrono::floor<std::chrono::seconds>(at_utc(2026, 12, 3, 13)), std::chrono::minutes{15}, Platform::irc, "#kata-dev"});
  REQUIRE(entry != nullptr);
  CHECK(entry->outcome == ReminderOutcome::skipped);
  CHECK(entry->reason == "meeting_started");
}

TEST_CASE("a target that is down gets the reminder when it is back, if the meeting has not started", "[scheduler]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 12, 44));
  auto bot = f.start();
  f.irc.posts.clear();
  f.slack.posts.clear();
  f.irc.accepting = false;
  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  bot->wake();
  CHECK(f.irc.posts.empty());
  CHECK(f.slack.posts.size() == 1);

  SECTION("back two minutes later") {
    f.clock.advance(std::chrono::seconds{1});
    bot->wake();  // retry not due yet (backoff starts at 1-2 s): still nothing
    f.irc.accepting = true;
    f.clock.advance(std::chrono::minutes{2});
    bot->wake();
    REQUIRE(f.irc.posts.size() == 1);
    CHECK(f.irc.posts[0].reply.text.find("is starting in 13 minutes") != std::string::npos);
    CHECK(f.slack.posts.size() == 1);
  }
  SECTION("still down at the start: skipped with the reason") {
    for (int minute = 0; minute < 16; ++minute) {
      f.clock.advance(std::chrono::minutes{1});
      bot->wake();
    }
    CHECK(f.irc.posts.empty());
    CHECK(f.metrics.value("katabot_reminders_skipped_total", {{"platform", "irc"}, {"reason", "target_unavailable"}}) == 1);
    f.irc.accepting = true;
    bot->wake();
    CHECK(f.irc.posts.empty());
  }
}

TEST_CASE("a clock jump backwards does not repeat, a reload adds new meetings", "[scheduler]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  auto bot = f.start();
  const auto posted = f.irc.posts.size();
  f.clock.set(at_utc(2026, 12, 3, 12, 40));
  bot->wake();
  f.clock.set(at_utc(2026, 12, 3, 12, 45) + std::chrono::seconds{30});
  bot->wake();
  CHECK(f.irc.posts.size() == posted);

  f.knowledge = knowledge_of(R"(  - {id: other, title: Other, day: thursday, time: "13:30", reminders: [15m]}
)");
  f.clock.set(at_utc(2026, 12, 3, 13, 15));
  bot->wake();
  REQUIRE(f.irc.posts.size() == posted + 1);
  CHECK(f.irc.posts.back().reply.text.starts_with("Reminder: Other starts in 15 minutes"));
}

namespace {
// The wall clock, shifted so that a reminder falls due a moment from now.
class ShiftedClock final : public Clock {
 public:
  explicit ShiftedClock(time_point pretend_now) : shift_(pretend_now - std::chrono::system_clock::now()) {}
  time_point now() const override { return std::chrono::system_clock::now() + shift_; }

 private:
  std::chrono::system_clock::duration shift_;
};
}  // namespace

TEST_CASE("with a real timer the reminder is posted within a second of its due time", "[scheduler]") {
  TempDir dir;
  const auto due = at_utc(2026, 12, 3, 12, 45);
  ShiftedClock clock(due - std::chrono::milliseconds{400});
  Metrics metrics;
  FakeAdapter irc(Platform::irc, clock);
  FakeAdapter slack(Platform::slack, clock);
  auto knowledge = knowledge_of(R"(  - {id: ac, title: AC, day: thursday, time: "13:00", reminders: [15m]}
)");
  Process bot(std::make_unique<LocalReminderClaims>(dir.path()), clock, metrics, irc, slack, knowledge);
  CHECK(irc.posts.empty());
  for (int i = 0; i < 50 && irc.posts.empty(); ++i) bot.io().run_for(std::chrono::milliseconds{100});
  REQUIRE(irc.posts.size() == 1);
  CHECK(irc.posts[0].at >= due);
  CHECK(irc.posts[0].at - due < std::chrono::seconds{1});
  bot.stop();
}

TEST_CASE("announce posts now to every channel and the scheduled reminder still goes out once", "[scheduler][overrides]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 10));  // the 24h reminder is already out
  auto bot = f.start();
  REQUIRE(f.irc.posts.size() == 1);

  bot->scheduler().broadcast({"ac", "agenda: CI flakes", true});
  bot->io().poll();
  REQUIRE(f.irc.posts.size() == 2);
  REQUIRE(f.slack.posts.size() == 2);
  CHECK(f.irc.posts[1].reply.text.starts_with("Reminder: Architecture Committee starts in 3 hours"));
  CHECK(f.irc.posts[1].reply.text.ends_with("\nNote: agenda: CI flakes"));

  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  bot->wake();
  bot->wake();
  REQUIRE(f.irc.posts.size() == 3);
  CHECK(f.irc.posts[2].reply.text.starts_with("Reminder: Architecture Committee starts in 15 minutes"));
  CHECK(f.slack.posts.size() == 3);
}

TEST_CASE("a skipped call's reminders are recorded as skipped with the reason and never posted", "[scheduler][overrides]") {
  Fixture f;
  auto meetings = katabot::test::meetings_from_yaml(committee);
  meetings[0].overrides = {{"ac", date::year{2026} / 12 / 3, OccurrenceOverride::Kind::skip, "holidays"}};
  f.knowledge = std::make_shared<const KnowledgeBase>(std::vector<Topic>{}, std::move(meetings));
  auto bot = f.start();
  f.clock.set(at_utc(2026, 12, 2, 13));
  bot->wake();
  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  bot->wake();
  CHECK(f.irc.posts.empty());
  CHECK(f.slack.posts.empty());
  CHECK(f.metrics.value("katabot_reminders_skipped_total", {{"platform", "irc"}, {"reason", "cancelled"}}) == 2);
  const auto* entry = f.ledger->find(
      {"ac", std::chrono::floor<std::chrono::seconds>(at_utc(2026, 12, 3, 13)), std::chrono::hours{24}, Platform::slack, "C0123ABCD"});
  REQUIRE(entry != nullptr);
  CHECK(entry->outcome == ReminderOutcome::skipped);
  CHECK(entry->reason == "cancelled: holidays");
}

TEST_CASE("a crash between post and record does not post again when the platform finds the post", "[scheduler][post]") {
  Fixture f;
  f.irc.finds_own_posts = true;
  f.clock.set(at_utc(2026, 12, 2, 12, 59) + std::chrono::seconds{59});
  auto bot = f.start();
  f.irc.hang_after_accepting = true;
  f.clock.set(at_utc(2026, 12, 2, 13));
  bot->wake();
  REQUIRE(f.irc.posts.size() == 1);
  CHECK(f.irc.posts[0].reply.post_key == "ac@2026-12-03T13:00:00Z-86400s");
  bot.reset();  // killed after the platform took the post, before the record

  f.irc.hang_after_accepting = false;
  bot = f.start();
  CHECK(f.irc.posts.size() == 1);  // found there: recorded instead of posted again
  REQUIRE_FALSE(f.irc.lookups.empty());
  CHECK(f.irc.lookups.back() == "ac@2026-12-03T13:00:00Z-86400s");
  const auto* entry = f.ledger->find(
      {"ac", std::chrono::floor<std::chrono::seconds>(at_utc(2026, 12, 3, 13)), std::chrono::hours{24}, Platform::irc, "#kata-dev"});
  REQUIRE(entry != nullptr);
  CHECK(entry->outcome == ReminderOutcome::sent);
  CHECK(f.sent("irc") == 1);
}

TEST_CASE("retry_later is honoured: no attempt before its time, and no lookup before the retry", "[scheduler][post]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 12, 44));
  auto bot = f.start();
  const auto sent_before = f.sent("irc");
  f.irc.posts.clear();
  f.irc.lookups.clear();
  f.irc.attempts = 0;
  f.irc.accepting = false;
  f.irc.refusal = PostOutcome::retry_later(std::chrono::minutes{3}, "not in #kata-dev yet");
  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  bot->wake();
  CHECK(f.irc.attempts == 1);
  CHECK(f.irc.lookups.size() == 1);  // a first attempt looks first
  CHECK(f.metrics.value("katabot_reminder_post_failures_total", {{"platform", "irc"}, {"outcome", "retry_later"}}) == 1);

  f.clock.advance(std::chrono::minutes{2});  // the backoff (at most 10 s) has long passed
  bot->wake();
  CHECK(f.irc.attempts == 1);
  f.irc.accepting = true;
  f.clock.advance(std::chrono::minutes{1});
  bot->wake();
  CHECK(f.irc.attempts == 2);
  CHECK(f.irc.lookups.size() == 1);  // retry_later said nothing was posted
  REQUIRE(f.irc.posts.size() == 1);
  CHECK(f.sent("irc") == sent_before + 1);
}

TEST_CASE("after a failure that may have posted, the platform is asked before posting again", "[scheduler][post]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 12, 44));
  auto bot = f.start();
  f.irc.posts.clear();
  f.irc.lookups.clear();
  f.irc.accepting = false;
  f.irc.refusal = PostOutcome::failed("the link closed before the server confirmed the post");
  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  bot->wake();
  CHECK(f.irc.lookups.size() == 1);
  CHECK(f.metrics.value("katabot_reminder_post_failures_total", {{"platform", "irc"}, {"outcome", "failed"}}) == 1);
  f.irc.accepting = true;
  f.clock.advance(std::chrono::seconds{11});
  bot->wake();
  CHECK(f.irc.lookups.size() == 2);
  CHECK(f.irc.posts.size() == 1);
}

TEST_CASE("stop() waits for a delivery in flight, cancelling run() ends it unrecorded", "[scheduler][post]") {
  Fixture f;
  f.clock.set(at_utc(2026, 12, 3, 12, 44));
  auto bot = f.start();
  f.irc.hang_after_accepting = true;
  f.clock.set(at_utc(2026, 12, 3, 12, 45));
  bot->wake();
  REQUIRE(f.irc.posts.size() == 2);
  const ReminderKey irc_key{"ac", std::chrono::floor<std::chrono::seconds>(at_utc(2026, 12, 3, 13)), std::chrono::minutes{15},
                            Platform::irc, "#kata-dev"};
  bot->stop();
  CHECK_FALSE(bot->finished());  // the IRC post has not said delivered yet
  bot->cancel_run();
  CHECK(bot->finished());
  CHECK(f.ledger->find(irc_key) == nullptr);
  CHECK(f.sent("slack") == 2);
  CHECK(f.sent("irc") == 1);
}
