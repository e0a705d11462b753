// The reminder scheduler of two successive leaders over a real 3-member etcd cluster (ha.md §6 S1
// and S2 shapes, on one event loop per replica): the new leader does not repeat what the old one
// posted, posts once what fell due while nobody led, and the deposed leader posts nothing.
#include <catch2/catch.hpp>

#include <algorithm>

#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/reminder_claims_etcd.hpp"
#include "knowledge/meetings.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"
#include "tests/unit/scheduler_test_support.hpp"

using namespace katabot;
using namespace katabot::coordination;
using katabot::scheduler_test::FakeAdapter;
using katabot::test::client_settings;
using katabot::test::deadline_in;
using katabot::test::EtcdCluster;
using katabot::test::finish;
using katabot::scheduler_test::Process;
using namespace std::chrono_literals;

namespace {

constexpr const char* prefix = "/katabot-takeover-test/";

// A replica's claims with its own etcd client on the replica's event loop (and gone with it).
class ReplicaClaims final : public ReminderClaims {
 public:
  ReplicaClaims(boost::asio::any_io_executor executor, const std::vector<std::string>& endpoints, const std::string& identity,
                std::int64_t epoch, const Clock& clock, std::vector<std::int64_t>& fenced_reports)
      : client_(std::move(executor), client_settings(endpoints)),
        claims_(client_, {prefix, identity, 5s, 64, std::chrono::minutes{60}}, epoch, clock,
                [&fenced_reports](std::int64_t fenced) { fenced_reports.push_back(fenced); }) {}

  bool known_done(const ReminderKey& key) const override { return claims_.known_done(key); }
  boost::asio::awaitable<Claim> claim(const ReminderKey& key) override { return claims_.claim(key); }
  boost::asio::awaitable<MarkResult> mark(const ReminderKey& key, const Claim& claim, const LedgerEntry& entry) override {
    return claims_.mark(key, claim, entry);
  }
  boost::asio::awaitable<void> housekeep(std::chrono::sys_seconds keep_since) override { return claims_.housekeep(keep_since); }

 private:
  EtcdClient client_;
  EtcdReminderClaims claims_;
};

const std::string leader_key = std::string(prefix) + "leader";

}  // namespace

TEST_CASE("a new leader neither repeats nor loses reminders, the deposed one posts nothing", "[etcd][claims]") {
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context setup_io;
  EtcdClient setup(setup_io.get_executor(), client_settings(cluster.endpoints()));

  Diagnostics diagnostics;
  auto meetings = parse_meetings("meetings:\n  - {id: ac, title: AC, day: thursday, time: \"13:00\", reminders: [15m, 5m]}\n",
                                 "meetings.yaml", diagnostics);
  REQUIRE(diagnostics.empty());
  auto knowledge = std::make_shared<const KnowledgeBase>(std::vector<Topic>{}, std::move(meetings));
  const std::chrono::sys_seconds start = date::sys_days{date::year{2026} / 12 / 3} + std::chrono::hours{13};
  ManualClock clock(start - 16min);
  FakeAdapter irc(Platform::irc, clock);
  FakeAdapter slack(Platform::slack, clock);
  const LeaderRules rules{[] { return true; }, std::chrono::minutes{10}, {}};
  // A replica's claims store at its epoch, made on the replica's own event loop.
  const auto claims_of = [&](std::string identity, std::int64_t epoch, std::vector<std::int64_t>& fenced) {
    return [&cluster, &clock, &fenced, identity, epoch](boost::asio::any_io_executor executor) {
      return std::make_unique<ReplicaClaims>(executor, cluster.endpoints(), identity, epoch, clock, fenced);
    };
  };

  const auto leader_a = katabot::test::take_leader_key(setup_io, setup, leader_key, "replica-a");
  std::vector<std::int64_t> fenced_a;
  Metrics metrics_a;
  Process a(claims_of("replica-a", leader_a.epoch, fenced_a), clock, metrics_a, irc, slack, knowledge, rules);
  const auto sent = [](const Metrics& metrics) {
    return metrics.value("katabot_reminders_sent_total", {{"platform", "irc"}}) +
           metrics.value("katabot_reminders_sent_total", {{"platform", "slack"}});
  };

  // S1: A posts the 15-minute reminder, then dies (its lease ends).
  clock.set(start - 15min);
  a.wake();
  REQUIRE(a.run_until([&] { return sent(metrics_a) == 2; }, 10s));
  CHECK(irc.posts.size() == 1);
  CHECK(slack.posts.size() == 1);
  REQUIRE(finish(setup_io, setup.revoke(leader_a.lease, deadline_in(5s))).value);

  // S2: nobody leads while the 5-minute reminder falls due; B is elected 2 minutes later.
  clock.set(start - 3min);
  const auto epoch_b = katabot::test::take_leader_key(setup_io, setup, leader_key, "replica-b").epoch;
  std::vector<std::int64_t> fenced_b;
  Metrics metrics_b;
  Process b(claims_of("replica-b", epoch_b, fenced_b), clock, metrics_b, irc, slack, knowledge, rules);
  REQUIRE(b.run_until([&] { return sent(metrics_b) == 2; }, 10s));
  CHECK(b.run_until([&] { return metrics_b.value("katabot_reminder_claims_total", {{"result", "taken"}}) == 2; }, 10s));
  REQUIRE(irc.posts.size() == 2);  // the 15-minute one once, by A; the 5-minute one once, late, by B
  REQUIRE(slack.posts.size() == 2);
  CHECK(irc.posts[1].reply.text.starts_with("Reminder (late): AC is starting in 3 minutes"));
  CHECK(fenced_b.empty());

  // The deposed A, still running (as after a pause), is told by etcd that it no longer leads.
  a.wake();
  CHECK(a.run_until([&] { return a.finished(); }, 10s));
  REQUIRE_FALSE(fenced_a.empty());  // once per claim it tried; the elector steps down at the first
  CHECK(std::all_of(fenced_a.begin(), fenced_a.end(), [&](std::int64_t epoch) { return epoch == leader_a.epoch; }));
  CHECK(irc.posts.size() == 2);
  CHECK(slack.posts.size() == 2);
  CHECK(metrics_a.value("katabot_reminder_claims_total", {{"result", "fenced"}}) >= 1);
}
