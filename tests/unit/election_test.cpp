#include <catch2/catch.hpp>

#include "bot/coordination/election.hpp"

using namespace katabot::coordination;
using namespace std::chrono_literals;

namespace {

constexpr std::int64_t our_lease = 7587869584218826241;
constexpr std::int64_t other_lease = 1234;

// An election stepped by hand: a fake clock and the answers etcd would give.
struct Rig {
  Election election{ElectionSettings{10s, 1000ms, 1000ms}, "replica-a"};
  Election::time_point now{};

  Request next() { return election.next_request(now); }

  void grant(std::int64_t ttl = 10) {
    REQUIRE(next() == Request::grant);
    election.on_granted({our_lease, ttl}, now);
  }

  void win(std::int64_t revision) {
    REQUIRE(next() == Request::campaign);
    election.on_campaign({true, revision, {}}, now);
  }

  void lose_to(std::string holder, std::int64_t revision) {
    REQUIRE(next() == Request::campaign);
    election.on_campaign({false, revision + 1, {KeyValue{"/katabot/leader", std::move(holder), revision, revision, 1, other_lease}}},
                         now);
  }

  // Moves the clock to the next thing the machine wants and returns it.
  Request advance() {
    now = std::max(now, election.wake_at());
    return next();
  }
};

}  // namespace

TEST_CASE("grant, campaign, lead with the key's create revision as epoch", "[election]") {
  Rig rig;
  CHECK(rig.election.role() == Role::follower);
  rig.grant();
  CHECK(rig.next() == Request::campaign);
  CHECK(rig.election.role() == Role::candidate);
  rig.election.on_campaign({true, 42, {}}, rig.now);
  CHECK(rig.election.role() == Role::leader);
  CHECK(rig.election.epoch() == 42);
  CHECK(rig.election.holder() == "replica-a");
  CHECK(rig.election.may_act(rig.now));
  const auto changes = rig.election.take_changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].became_leader);
  CHECK(changes[0].epoch == 42);
}

TEST_CASE("keepalives go every TTL/3 and move the deadline from their send time", "[election]") {
  Rig rig;
  rig.grant();
  rig.win(42);
  rig.election.take_changes();
  CHECK(rig.advance() == Request::verify);  // retry_period: the leader checks its key
  rig.election.on_verify({43, {KeyValue{"/katabot/leader", "replica-a", 42, 42, 1, our_lease}}}, rig.now);
  CHECK(rig.now == Election::time_point{} + 1s);
  while (rig.now < Election::time_point{} + 3333ms) {
    const auto request = rig.advance();
    if (request == Request::verify) rig.election.on_verify({43, {KeyValue{"", "replica-a", 42, 42, 1, our_lease}}}, rig.now);
    if (request == Request::keepalive) break;
  }
  CHECK(rig.now == Election::time_point{} + 3333ms);
  const auto sent = rig.now;
  rig.now += 900ms;  // a slow answer must not stretch the deadline
  rig.election.on_keepalive({our_lease, 10}, sent, rig.now);
  CHECK(rig.election.act_deadline() == sent + 10s - 1s);
  CHECK(rig.election.role() == Role::leader);
  CHECK(rig.election.take_changes().empty());
}

TEST_CASE("a follower records the holder and keeps polling", "[election]") {
  Rig rig;
  rig.grant();
  rig.lose_to("replica-b", 7);
  CHECK(rig.election.role() == Role::follower);
  CHECK(rig.election.holder() == "replica-b");
  CHECK(rig.next() == Request::none);
  CHECK(rig.advance() == Request::campaign);
  CHECK(rig.now == Election::time_point{} + 1s);
  CHECK(rig.election.role() == Role::follower);  // a leader is known: not a candidate
}

TEST_CASE("a campaign whose success answer was lost is recognised by our lease", "[election]") {
  Rig rig;
  rig.grant();
  REQUIRE(rig.next() == Request::campaign);
  rig.election.on_failed(Request::campaign, rig.now, 100ms);
  rig.now += 100ms;
  REQUIRE(rig.next() == Request::campaign);
  rig.election.on_campaign({false, 9, {KeyValue{"/katabot/leader", "replica-a", 8, 8, 1, our_lease}}}, rig.now);
  CHECK(rig.election.role() == Role::leader);
  CHECK(rig.election.epoch() == 8);
}

TEST_CASE("a keepalive without TTL means the lease is gone: step down at once, never reuse it", "[election]") {
  Rig rig;
  rig.grant();
  rig.win(42);
  rig.election.take_changes();
  rig.now += 3333ms;
  REQUIRE(rig.next() == Request::keepalive);
  rig.election.on_keepalive({our_lease, 0}, rig.now, rig.now);
  CHECK_FALSE(rig.election.may_act(rig.now));
  const auto changes = rig.election.take_changes();
  REQUIRE(changes.size() == 1);
  CHECK_FALSE(changes[0].became_leader);
  CHECK(changes[0].reason == LossReason::lease_lost);
  CHECK(changes[0].epoch == 42);
  CHECK(rig.election.lease_id() == 0);
  CHECK(rig.next() == Request::grant);  // a new lease, not a revoke of the dead one
}

TEST_CASE("keepalives failing: the leader stops at the local deadline minus the margin", "[election]") {
  Rig rig;
  rig.grant();
  rig.win(42);
  rig.election.take_changes();
  int failures = 0;
  auto request = Request::none;
  for (;;) {
    request = rig.advance();
    if (rig.election.role() != Role::leader) break;
    if (request == Request::keepalive || request == Request::verify) {
      rig.election.on_failed(request, rig.now, 500ms);  // quorum lost: nothing answers
      ++failures;
    }
    REQUIRE(failures < 100);
  }
  CHECK(rig.now == Election::time_point{} + 9s);  // granted at 0, TTL 10 s, margin 1 s
  const auto changes = rig.election.take_changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].reason == LossReason::renew_timeout);
  CHECK(rig.election.role() == Role::stepping_down);
  CHECK(request == Request::revoke);
  CHECK(rig.election.revoke_id() == our_lease);
  rig.election.on_failed(Request::revoke, rig.now, 500ms);
  CHECK(rig.election.role() == Role::follower);
  REQUIRE(rig.next() == Request::grant);  // a new lease meanwhile, under a new ID
  rig.election.on_granted({our_lease + 1, 10}, rig.now);
  REQUIRE(rig.next() == Request::campaign);
  rig.election.on_failed(Request::campaign, rig.now, 2s);
  // The old lease is revoked as soon as etcd answers again, so its key does not outlive the outage.
  CHECK(rig.advance() == Request::revoke);
  CHECK(rig.now == Election::time_point{} + 9500ms);
  CHECK(rig.election.revoke_id() == our_lease);
  rig.election.on_revoked();
  CHECK(rig.election.revoke_id() == 0);
  CHECK(rig.election.lease_id() == our_lease + 1);
}

TEST_CASE("the leader key gone or held by another lease: deposed", "[election]") {
  for (const auto& kvs : {std::vector<KeyValue>{}, std::vector<KeyValue>{KeyValue{"", "replica-b", 50, 50, 1, other_lease}},
                          std::vector<KeyValue>{KeyValue{"", "replica-a", 50, 50, 1, our_lease}}}) {
    Rig rig;
    rig.grant();
    rig.win(42);
    rig.election.take_changes();
    REQUIRE(rig.advance() == Request::verify);
    rig.election.on_verify({51, kvs}, rig.now);
    const auto changes = rig.election.take_changes();
    REQUIRE(changes.size() == 1);
    CHECK(changes[0].reason == LossReason::deposed);
    CHECK_FALSE(rig.election.may_act(rig.now));
  }
}

TEST_CASE("a fenced write failing on the leader compare deposes the leader of that epoch only", "[election]") {
  Rig rig;
  rig.grant();
  rig.win(42);
  rig.election.take_changes();
  rig.election.on_fenced(41);  // a claim of an earlier term, answered late
  CHECK(rig.election.role() == Role::leader);
  CHECK(rig.election.take_changes().empty());
  rig.election.on_fenced(42);
  const auto changes = rig.election.take_changes();
  REQUIRE(changes.size() == 1);
  CHECK_FALSE(changes[0].became_leader);
  CHECK(changes[0].reason == LossReason::deposed);
  CHECK(changes[0].epoch == 42);
  CHECK_FALSE(rig.election.may_act(rig.now));
  CHECK(rig.next() == Request::revoke);
}

TEST_CASE("a lease etcd no longer knows (404) ends leadership", "[election]") {
  Rig rig;
  rig.grant();
  rig.win(42);
  rig.election.take_changes();
  REQUIRE(rig.advance() == Request::verify);
  rig.election.on_lease_not_found(rig.now);
  const auto changes = rig.election.take_changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].reason == LossReason::lease_lost);
  CHECK(rig.next() == Request::grant);
}

TEST_CASE("no quorum: a follower never becomes leader, and drops its lease after a TTL", "[election]") {
  Rig rig;
  rig.grant();
  while (rig.now < Election::time_point{} + 30s) {
    const auto request = rig.advance();
    if (request != Request::none) rig.election.on_failed(request, rig.now, 1s);
    CHECK(rig.election.role() != Role::leader);
  }
  CHECK(rig.election.take_changes().empty());
}

TEST_CASE("too late in the lease to start leading with it", "[election]") {
  Rig rig;
  rig.grant();
  REQUIRE(rig.next() == Request::campaign);
  rig.now += 9500ms;  // the answer came back after the safety margin began
  rig.election.on_campaign({true, 42, {}}, rig.now);
  CHECK(rig.election.role() != Role::leader);
  CHECK(rig.election.take_changes().empty());
}

TEST_CASE("resign: step down with reason shutdown, revoke, then ask for nothing", "[election]") {
  Rig rig;
  rig.grant();
  rig.win(42);
  rig.election.take_changes();
  rig.election.resign(rig.now);
  const auto changes = rig.election.take_changes();
  REQUIRE(changes.size() == 1);
  CHECK(changes[0].reason == LossReason::shutdown);
  REQUIRE(rig.next() == Request::revoke);
  CHECK(rig.election.revoke_id() == our_lease);
  rig.election.on_revoked();
  CHECK(rig.election.finished());
  CHECK(rig.next() == Request::none);
  CHECK(rig.election.wake_at() == Election::time_point::max());
}

TEST_CASE("one request at a time: nothing new while an answer is awaited", "[election]") {
  Rig rig;
  REQUIRE(rig.next() == Request::grant);
  rig.now += 1h;
  CHECK(rig.next() == Request::none);
}
