// Reminder claims against a real 3-member etcd cluster, with real leader keys and epochs: a key
// is posted once whoever leads, a deposed leader's claims and marks are fenced, a claim an earlier
// leader never marked is ambiguous to the next, and old claims are deleted by the leader.
#include <catch2/catch.hpp>

#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/reminder_claims_etcd.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot;
using namespace katabot::coordination;
using namespace katabot::test;

namespace {

constexpr const char* prefix = "/katabot-claims-test/";

ReminderKey reminder(const std::string& channel, std::chrono::sys_seconds occurrence) {
  return {"ac", occurrence, std::chrono::minutes{15}, Platform::irc, channel};
}

// One replica's leadership: its lease, the leader key it created (the epoch) and its claims store.
struct Leadership {
  std::int64_t lease = 0;
  std::int64_t epoch = 0;
  std::vector<std::int64_t> fenced_reports;
  std::unique_ptr<EtcdReminderClaims> claims;
};

Leadership lead(boost::asio::io_context& io, EtcdClient& client, const std::string& identity, const katabot::Clock& clock) {
  Leadership leadership;
  const auto held = take_leader_key(io, client, std::string(prefix) + "leader", identity);
  leadership.lease = held.lease;
  leadership.epoch = held.epoch;
  EtcdClaimsSettings settings{prefix, identity, 5s, 64, std::chrono::minutes{60}};
  auto* reports = &leadership.fenced_reports;
  leadership.claims = std::make_unique<EtcdReminderClaims>(client, settings, leadership.epoch, clock,
                                                           [reports](std::int64_t epoch) { reports->push_back(epoch); });
  return leadership;
}

}  // namespace

TEST_CASE("reminder claims across two leaderships on a real etcd cluster", "[etcd][claims]") {
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  EtcdClient client(io.get_executor(), client_settings(cluster.endpoints()));
  const auto occurrence = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) + std::chrono::hours{1};
  ManualClock clock(occurrence - std::chrono::minutes{15});
  const auto now = std::chrono::floor<std::chrono::seconds>(clock.now());
  const auto posted_key = reminder("#posted", occurrence);
  const auto unmarked_key = reminder("#unmarked", occurrence);
  const auto fresh_key = reminder("#fresh", occurrence);

  auto first = lead(io, client, "replica-a", clock);
  const auto won = finish(io, first.claims->claim(posted_key));
  INFO(won.detail);
  REQUIRE(won.result == ClaimResult::won);
  CHECK(finish(io, first.claims->mark(posted_key, won, {ReminderOutcome::sent, "", now})) == MarkResult::marked);
  CHECK(first.claims->known_done(posted_key));
  CHECK(finish(io, first.claims->claim(posted_key)).result == ClaimResult::done);
  // Claimed, then "killed" before posting or marking.
  REQUIRE(finish(io, first.claims->claim(unmarked_key)).result == ClaimResult::won);

  // The first leader's lease ends (as after a SIGKILL and its TTL); a second replica leads.
  REQUIRE(finish(io, client.revoke(first.lease, deadline_in(5s))).value);
  auto second = lead(io, client, "replica-b", clock);
  CHECK(second.epoch > first.epoch);

  SECTION("the second leader finds the posted reminder done, and the unmarked one ambiguous") {
    CHECK_FALSE(second.claims->known_done(posted_key));  // a new leader asks etcd
    const auto again = finish(io, second.claims->claim(posted_key));
    CHECK(again.result == ClaimResult::done);
    CHECK_THAT(again.detail, Catch::Contains("replica-a"));
    CHECK(second.claims->known_done(posted_key));

    const auto ambiguous = finish(io, second.claims->claim(unmarked_key));
    CHECK(ambiguous.result == ClaimResult::ambiguous);
    CHECK_THAT(ambiguous.detail, Catch::Contains("epoch " + std::to_string(first.epoch)));
    CHECK(ambiguous.claimed_at == now);
    // Settled by the new leader (a Slack lookup found it, say): done for everyone after.
    CHECK(finish(io, second.claims->mark(unmarked_key, ambiguous, {ReminderOutcome::sent, "", now})) ==
          MarkResult::marked);
    CHECK(finish(io, second.claims->claim(unmarked_key)).result == ClaimResult::done);
    CHECK(second.fenced_reports.empty());
  }
  SECTION("the deposed leader is fenced, even on a key nobody claimed, and reports it") {
    const auto stale = finish(io, first.claims->claim(fresh_key));
    CHECK(stale.result == ClaimResult::fenced);
    CHECK(first.fenced_reports == std::vector<std::int64_t>{first.epoch});
    CHECK(finish(io, first.claims->mark(unmarked_key, Claim{ClaimResult::won, won.revision},
                                         {ReminderOutcome::sent, "", now})) == MarkResult::fenced);
    // Nothing was written: the new leader still wins the fresh key.
    CHECK(finish(io, second.claims->claim(fresh_key)).result == ClaimResult::won);
  }
  SECTION("housekeeping deletes the claims of old occurrences only") {
    const auto old_key = reminder("#old", occurrence - std::chrono::hours{24 * 40});
    const auto old_claim = finish(io, second.claims->claim(old_key));
    REQUIRE(old_claim.result == ClaimResult::won);
    finish(io, second.claims->housekeep(now - std::chrono::hours{24 * 30}));
    const auto old_left = finish(io, client.range(reminder_claim_key(prefix, old_key), deadline_in(5s)));
    REQUIRE(old_left.value);
    CHECK(old_left.value->kvs.empty());
    const auto recent_left = finish(io, client.range(reminder_claim_key(prefix, posted_key), deadline_in(5s)));
    REQUIRE(recent_left.value);
    CHECK(recent_left.value->kvs.size() == 1);
  }
}
