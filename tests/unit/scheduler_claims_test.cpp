// The reminder scheduler as one leader among replicas: claim → post → mark through a claims store
// (here scripted), fencing, unreachable stores, claims left ambiguous by an earlier leader, a
// leader that may not act, and the catch-up window of a new leader.
#include <catch2/catch.hpp>

#include <functional>
#include <map>

#include "bot/config.hpp"
#include "bot/metric_catalog.hpp"
#include "bot/coordination/elector.hpp"
#include "bot/coordination/reminder_claims_etcd.hpp"
#include "bot/coordination/reminder_coordination.hpp"
#include "bot/scheduler/local_reminder_claims.hpp"
#include "tests/unit/schedule_test_meetings.hpp"
#include "tests/unit/scheduler_test_support.hpp"

using namespace katabot;
using katabot::test::at_utc;
using katabot::scheduler_test::FakeAdapter;
using katabot::scheduler_test::Process;

namespace {

// Answers claims as the test says and remembers every claim and mark.
class ScriptedClaims final : public ReminderClaims {
 public:
  bool known_done(const ReminderKey& key) const override { return marks.contains(key); }
  boost::asio::awaitable<Claim> claim(const ReminderKey& key) override {
    claims.push_back(key);
    co_return answer(key);
  }
  boost::asio::awaitable<MarkResult> mark(const ReminderKey& key, const Claim& claim, const LedgerEntry& entry) override {
    ++mark_attempts;
    if (mark_answer != MarkResult::marked) co_return mark_answer;
    marks[key] = entry;
    marked_revisions[key] = claim.revision;
    co_return MarkResult::marked;
  }
  boost::asio::awaitable<void> housekeep(std::chrono::sys_seconds) override { co_return; }

  std::function<Claim(const ReminderKey&)> answer = [](const ReminderKey&) { return Claim{ClaimResult::won, 7}; };
  MarkResult mark_answer = MarkResult::marked;
  std::vector<ReminderKey> claims;
  std::map<ReminderKey, LedgerEntry> marks;
  std::map<ReminderKey, std::int64_t> marked_revisions;
  int mark_attempts = 0;
};

const char* const committee = R"(  - id: ac
    title: Architecture Committee
    day: thursday
    time: "13:00"
    reminders: [15m]
)";

const auto occurrence = std::chrono::floor<std::chrono::seconds>(at_utc(2026, 12, 3, 13));
const auto due = at_utc(2026, 12, 3, 12, 45);
const ReminderKey irc_key{"ac", occurrence, std::chrono::minutes{15}, Platform::irc, "#kata-dev"};
const ReminderKey slack_key{"ac", occurrence, std::chrono::minutes{15}, Platform::slack, "C0123ABCD"};

struct Leader {
  ManualClock clock{due - std::chrono::minutes{1}};
  Metrics metrics;
  FakeAdapter irc{Platform::irc, clock};
  FakeAdapter slack{Platform::slack, clock};
  std::shared_ptr<const KnowledgeBase> knowledge = std::make_shared<const KnowledgeBase>(
      std::vector<Topic>{}, katabot::test::meetings_from_yaml(committee));
  ScriptedClaims* claims = nullptr;
  bool may_act = true;
  LeaderRules rules{[this] { return may_act; }, std::chrono::minutes{10}, {}};

  // Kept across terms as the app keeps it.
  ClaimsKnowledge carried;

  std::unique_ptr<Process> start() {
    auto store = std::make_unique<ScriptedClaims>();
    claims = store.get();
    return std::make_unique<Process>(std::move(store), clock, metrics, irc, slack, knowledge, rules, &carried);
  }
  // Started, then both reminders posted while the store takes no mark.
  std::unique_ptr<Process> start_posting_unmarked() {
    auto bot = start();
    claims->mark_answer = MarkResult::unavailable;
    clock.set(due);
    bot->wake();
    return bot;
  }
  double claimed(const char* result) const { return metrics.value("katabot_reminder_claims_total", {{"result", result}}); }
  double ambiguous(const char* network) const {
    return metrics.value("katabot_reminder_ambiguous_total", {{"network", network}});
  }
};

Claim answered(ClaimResult result) { return Claim{result, 0, {}, false, "scripted"}; }

}  // namespace

TEST_CASE("claim metrics are described and start at 0 on every replica", "[scheduler][claims]") {
  Metrics metrics;
  describe_katabot_metrics(metrics);
  register_known_series(metrics, KnownSeries{{"irc", "slack"}, {}});
  const auto text = metrics.render_prometheus();
  CHECK(text.find("# TYPE katabot_reminder_claims_total counter") != std::string::npos);
  CHECK(text.find("# HELP katabot_reminder_ambiguous_total") != std::string::npos);
  for (const auto* result : {"won", "taken", "fenced", "error"}) {
    CHECK(text.find("katabot_reminder_claims_total{result=\"" + std::string(result) + "\"} 0") != std::string::npos);
  }
  CHECK(text.find("katabot_reminder_ambiguous_total{network=\"irc\"} 0") != std::string::npos);
  CHECK(text.find("katabot_reminder_ambiguous_total{network=\"slack\"} 0") != std::string::npos);
}

TEST_CASE("a won claim is posted once and marked sent with the claim's revision", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start();
  leader.clock.set(due);
  bot->wake();
  REQUIRE(leader.irc.posts.size() == 1);
  REQUIRE(leader.slack.posts.size() == 1);
  CHECK(leader.irc.lookups.empty());  // a claim store that rules out earlier posts needs no look
  REQUIRE(leader.claims->marks.contains(irc_key));
  CHECK(leader.claims->marks[irc_key].outcome == ReminderOutcome::sent);
  CHECK(leader.claims->marked_revisions[irc_key] == 7);
  CHECK(leader.claimed("won") == 2);

  leader.clock.advance(std::chrono::seconds{5});
  bot->wake();
  CHECK(leader.irc.posts.size() == 1);
  CHECK(leader.claims->claims.size() == 2);
}

TEST_CASE("a claim another leader already settled posts nothing", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start();
  leader.claims->answer = [](const ReminderKey&) { return answered(ClaimResult::done); };
  leader.clock.set(due);
  bot->wake();
  CHECK(leader.irc.posts.empty());
  CHECK(leader.slack.posts.empty());
  CHECK(leader.claims->marks.empty());
  CHECK(leader.claimed("taken") == 2);
}

TEST_CASE("a fenced claim stops the scheduler: nothing posted, now or later", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start();
  leader.claims->answer = [](const ReminderKey&) { return answered(ClaimResult::fenced); };
  leader.clock.set(due);
  bot->wake();
  CHECK(leader.irc.posts.empty());
  CHECK(leader.slack.posts.empty());
  CHECK(leader.claimed("fenced") >= 1);
  for (int i = 0; i < 100 && !bot->finished(); ++i) bot->io().poll();
  CHECK(bot->finished());
  leader.claims->answer = [](const ReminderKey&) { return Claim{ClaimResult::won, 1}; };
  leader.clock.advance(std::chrono::minutes{1});
  bot->wake();
  CHECK(leader.irc.posts.empty());
}

TEST_CASE("an unreachable claims store: nothing is posted until a claim is won", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start();
  leader.claims->answer = [](const ReminderKey&) { return answered(ClaimResult::unavailable); };
  leader.clock.set(due);
  bot->wake();
  for (int attempt = 0; attempt < 3; ++attempt) {
    leader.clock.advance(std::chrono::seconds{11});  // past any backoff
    bot->wake();
  }
  CHECK(leader.irc.posts.empty());
  CHECK(leader.slack.posts.empty());
  CHECK(leader.claimed("error") >= 8);  // both keys, every attempt

  leader.claims->answer = [](const ReminderKey&) { return Claim{ClaimResult::won, 3}; };
  leader.clock.advance(std::chrono::seconds{11});
  bot->wake();
  CHECK(leader.irc.posts.size() == 1);
  CHECK(leader.slack.posts.size() == 1);
  CHECK(leader.claims->marks.size() == 2);
}

TEST_CASE("an ambiguous claim on Slack is looked up: found is marked, not found is posted", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start();
  leader.slack.finds_own_posts = true;
  const auto claimed_at = std::chrono::floor<std::chrono::seconds>(due);
  leader.claims->answer = [&](const ReminderKey& key) {
    return key.platform == Platform::slack ? Claim{ClaimResult::ambiguous, 11, claimed_at, false, "epoch 1"}
                                           : Claim{ClaimResult::done, 0};
  };
  SECTION("the earlier leader's post is there") {
    Reply earlier;
    earlier.post_key = post_key(slack_key);
    leader.slack.posts.push_back({"C0123ABCD", earlier, due + std::chrono::milliseconds{200}});
    leader.clock.set(due + std::chrono::seconds{20});
    bot->wake();
    CHECK(leader.slack.posts.size() == 1);
    CHECK(leader.slack.lookups.size() == 1);
    REQUIRE(leader.claims->marks.contains(slack_key));
    CHECK(leader.claims->marks[slack_key].outcome == ReminderOutcome::sent);
    CHECK(leader.claims->marked_revisions[slack_key] == 11);  // the mark takes the earlier claim over
  }
  SECTION("it is not there") {
    leader.clock.set(due + std::chrono::seconds{20});
    bot->wake();
    CHECK(leader.slack.lookups.size() == 1);
    CHECK(leader.slack.posts.size() == 1);
    CHECK(leader.claims->marks.contains(slack_key));
  }
  CHECK(leader.ambiguous("slack") == 1);
  CHECK(leader.irc.posts.empty());
}

TEST_CASE("an ambiguous claim on IRC follows the policy: skip records it, repost posts it", "[scheduler][claims]") {
  Leader leader;
  leader.claims = nullptr;
  SECTION("skip (the default)") {
    auto bot = leader.start();
    leader.claims->answer = [](const ReminderKey& key) {
      return key.platform == Platform::irc ? Claim{ClaimResult::ambiguous, 5} : Claim{ClaimResult::done, 0};
    };
    leader.clock.set(due);
    bot->wake();
    CHECK(leader.irc.posts.empty());
    REQUIRE(leader.claims->marks.contains(irc_key));
    CHECK(leader.claims->marks[irc_key].outcome == ReminderOutcome::skipped);
    CHECK(leader.claims->marks[irc_key].reason == "ambiguous_claim");
    CHECK(leader.metrics.value("katabot_reminders_skipped_total", {{"platform", "irc"}, {"reason", "ambiguous_claim"}}) == 1);
  }
  SECTION("repost") {
    leader.rules.ambiguous.irc = AmbiguousAction::repost;
    auto bot = leader.start();
    leader.claims->answer = [](const ReminderKey& key) {
      return key.platform == Platform::irc ? Claim{ClaimResult::ambiguous, 5} : Claim{ClaimResult::done, 0};
    };
    leader.clock.set(due);
    bot->wake();
    CHECK(leader.irc.posts.size() == 1);
    REQUIRE(leader.claims->marks.contains(irc_key));
    CHECK(leader.claims->marks[irc_key].outcome == ReminderOutcome::sent);
  }
  CHECK(leader.ambiguous("irc") == 1);
}

TEST_CASE("a leader that may not act posts nothing, and keeps its claim for when it may", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start();
  leader.may_act = false;
  leader.clock.set(due);
  bot->wake();
  leader.clock.advance(std::chrono::seconds{11});
  bot->wake();
  CHECK(leader.irc.posts.empty());
  CHECK(leader.slack.posts.empty());
  CHECK(leader.claims->marks.empty());

  leader.may_act = true;
  leader.clock.advance(std::chrono::seconds{11});
  bot->wake();
  CHECK(leader.irc.posts.size() == 1);
  CHECK(leader.slack.posts.size() == 1);
  CHECK(leader.claims->claims.size() == 2);  // claimed once each, held while waiting
}

TEST_CASE("a reminder goes to the adapter with the leader gate, for it to check right before sending", "[scheduler][claims][fence]") {
  Leader leader;
  auto bot = leader.start();
  leader.clock.set(due);
  bot->wake();
  REQUIRE(leader.slack.posts.size() == 1);
  const auto& may_send = leader.slack.posts[0].reply.may_send;
  REQUIRE(may_send);
  CHECK(may_send());
  leader.may_act = false;  // deposed, or paused past the lease, while the adapter still waits
  CHECK_FALSE(may_send());
}

TEST_CASE("a broadcast is fenced like a reminder: none while this replica may not act", "[scheduler][claims][fence]") {
  Leader leader;
  auto bot = leader.start();
  const Broadcast moved{"ac", "The Architecture Committee moved to Friday", false};
  leader.may_act = false;
  bot->scheduler().broadcast(moved);
  bot->wake();
  CHECK(leader.irc.attempts == 0);
  CHECK(leader.slack.attempts == 0);

  leader.may_act = true;
  bot->scheduler().broadcast(moved);
  bot->wake();
  REQUIRE(leader.slack.posts.size() == 1);
  CHECK(leader.irc.posts.size() == 1);
  REQUIRE(leader.slack.posts[0].reply.may_send);
  leader.may_act = false;
  CHECK_FALSE(leader.slack.posts[0].reply.may_send());
}

TEST_CASE("a mark the store did not take is retried, never reposted", "[scheduler][claims]") {
  Leader leader;
  auto bot = leader.start_posting_unmarked();
  CHECK(leader.irc.posts.size() == 1);
  CHECK(leader.claims->marks.empty());
  leader.claims->mark_answer = MarkResult::marked;
  leader.clock.advance(std::chrono::seconds{5});
  bot->wake();
  CHECK(leader.irc.posts.size() == 1);
  CHECK(leader.slack.posts.size() == 1);
  CHECK(leader.claims->marks.size() == 2);
  CHECK(leader.claims->claims.size() == 2);
}

TEST_CASE("outcomes not recorded yet are tried once more when the scheduler stops", "[scheduler][claims][pending]") {
  Leader leader;
  auto bot = leader.start_posting_unmarked();
  REQUIRE(leader.slack.posts.size() == 1);
  CHECK(leader.claims->marks.empty());

  leader.claims->mark_answer = MarkResult::marked;  // etcd answers again, the term ends now
  bot->stop();
  REQUIRE(bot->finished());
  CHECK(leader.claims->marks.size() == 2);
  CHECK(leader.carried.pending_marks.empty());
}

TEST_CASE("a posted reminder whose mark was lost with its term is recorded by the next term, not reposted",
          "[scheduler][claims][pending]") {
  Leader leader;
  auto first_term = leader.start_posting_unmarked();
  REQUIRE(leader.irc.posts.size() == 1);
  REQUIRE(leader.slack.posts.size() == 1);
  first_term->cancel_run();  // the lease was lost: the term is cancelled, no last try
  first_term.reset();
  CHECK(leader.carried.pending_marks.size() == 2);

  // The next term (a new epoch on this replica) finds the claims unmarked: ambiguous to the store.
  leader.clock.set(due - std::chrono::minutes{1});  // the store's answers are scripted before anything is due
  auto next_term = leader.start();
  leader.claims->answer = [](const ReminderKey&) { return answered(ClaimResult::ambiguous); };
  leader.clock.set(due + std::chrono::seconds{5});
  next_term->wake();
  CHECK(leader.irc.posts.size() == 1);
  CHECK(leader.slack.posts.size() == 1);
  CHECK(leader.claims->marks.size() == 2);
  CHECK(leader.claims->marks[irc_key].outcome == ReminderOutcome::sent);
  CHECK(leader.carried.pending_marks.empty());
}

TEST_CASE("a claim whose answer was lost is settled by the next term on this replica: never posted, so posted",
          "[scheduler][claims][pending]") {
  Leader leader;
  leader.rules.epoch = 5;
  auto first_term = leader.start();
  // The claim txns committed, their answers were lost (etcd in trouble), then the lease was lost.
  leader.claims->answer = [](const ReminderKey&) { return answered(ClaimResult::unavailable); };
  leader.clock.set(due);
  first_term->wake();
  CHECK(leader.irc.attempts == 0);
  CHECK(leader.slack.attempts == 0);
  first_term->cancel_run();
  first_term.reset();

  leader.rules.epoch = 6;
  leader.clock.set(due - std::chrono::minutes{1});  // the store's answers are scripted before anything is due
  auto next_term = leader.start();
  // IRC's claim is the one this process made at epoch 5; Slack's was made by another leader (epoch 4).
  leader.claims->answer = [](const ReminderKey& key) {
    auto claim = answered(ClaimResult::ambiguous);
    claim.claimed_epoch = key.platform == Platform::irc ? 5 : 4;
    return claim;
  };
  leader.clock.set(due + std::chrono::seconds{5});
  next_term->wake();
  CHECK(leader.irc.posts.size() == 1);  // not skipped by ambiguous_policy irc: skip
  CHECK(leader.ambiguous("irc") == 0);
  CHECK(leader.slack.lookups.size() == 1);  // someone else's claim: the policy (verify) still applies
  CHECK(leader.ambiguous("slack") == 1);
}

TEST_CASE("a new leader catches up on reminders missed within the window and skips older ones", "[scheduler][claims]") {
  Leader leader;
  SECTION("missed 5 minutes ago: posted late") {
    leader.clock.set(due + std::chrono::minutes{5});
    auto bot = leader.start();
    REQUIRE(leader.irc.posts.size() == 1);
    CHECK(leader.irc.posts[0].reply.text.starts_with("Reminder (late)"));
  }
  SECTION("missed 12 minutes ago, past the 10 minute window: recorded as skipped") {
    leader.clock.set(due + std::chrono::minutes{12});
    auto bot = leader.start();
    CHECK(leader.irc.posts.empty());
    CHECK(leader.slack.posts.empty());
    REQUIRE(leader.claims->marks.contains(irc_key));
    CHECK(leader.claims->marks[irc_key].outcome == ReminderOutcome::skipped);
    CHECK(leader.claims->marks[irc_key].reason.starts_with("past_catchup_window"));
    CHECK(leader.metrics.value("katabot_reminders_skipped_total", {{"platform", "slack"}, {"reason", "past_catchup_window"}}) == 1);
  }
  SECTION("without a window (one replica), 12 minutes late still goes out") {
    leader.rules.catchup_window.reset();
    leader.clock.set(due + std::chrono::minutes{12});
    auto bot = leader.start();
    CHECK(leader.irc.posts.size() == 1);
  }
}

TEST_CASE("one leadership's claims: the local ledger alone, etcd fenced by the epoch among replicas", "[scheduler][claims]") {
  boost::asio::io_context io;
  katabot::test::TempDir dir;
  Config config;
  config.bot.state_dir = dir.path();
  ManualClock clock(due);
  SECTION("backend none: the ledger, and late reminders go out until the meeting starts") {
    coordination::Elector elector(io.get_executor(), config.coordination, {});
    auto leadership = coordination::reminder_coordination(config, elector, 0, clock);
    CHECK(dynamic_cast<LocalReminderClaims*>(leadership.claims.get()) != nullptr);
    CHECK_FALSE(leadership.rules.catchup_window);
    CHECK(leadership.rules.may_act());
  }
  SECTION("backend etcd: claims in etcd, the elector's may_act, the configured window and policy") {
    config.coordination.backend = CoordinationConfig::Backend::etcd;
    config.coordination.etcd.endpoints = {"http://127.0.0.1:9"};
    config.coordination.catchup_window = std::chrono::minutes{3};
    config.coordination.ambiguous_policy.irc = AmbiguousAction::repost;
    coordination::Elector elector(io.get_executor(), config.coordination, {});
    auto leadership = coordination::reminder_coordination(config, elector, 42, clock);
    CHECK(dynamic_cast<coordination::EtcdReminderClaims*>(leadership.claims.get()) != nullptr);
    CHECK(leadership.rules.catchup_window == std::chrono::minutes{3});
    CHECK(leadership.rules.ambiguous.irc == AmbiguousAction::repost);
    CHECK_FALSE(leadership.rules.may_act());  // not elected (never run)
  }
}
