// The etcd client's real calls against a 3-member cluster: the JSON shapes of ha.md §1 as etcd
// 3.4 actually sends them, through every endpoint, and the failures the election relies on.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>

#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot::coordination;
using namespace katabot::test;

TEST_CASE("the client's calls against a real etcd cluster", "[etcd]") {
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  EtcdClient client(io.get_executor(), client_settings(cluster.endpoints()));
  using namespace std::chrono_literals;

  const auto grant = finish(io, client.grant(10, deadline_in(5s)));
  INFO(grant.detail);
  REQUIRE(grant.value);
  CHECK(grant.value->ttl_seconds == 10);
  CHECK(grant.value->id > (std::int64_t{1} << 53) / 1024);  // IDs are large; a double would have mangled some

  const auto alive = finish(io, client.keepalive(grant.value->id, deadline_in(5s)));
  REQUIRE(alive.value);
  CHECK(alive.value->id == grant.value->id);
  CHECK(alive.value->ttl_seconds == 10);

  const std::string leader = "/katabot-test/leader";
  const auto won = finish(io, client.txn(create_if_absent_body(leader, "replica-a", grant.value->id), deadline_in(5s)));
  REQUIRE(won.value);
  CHECK(won.value->succeeded);
  const auto epoch = won.value->revision;

  const auto lost = finish(io, client.txn(create_if_absent_body(leader, "replica-b", grant.value->id), deadline_in(5s)));
  REQUIRE(lost.value);
  CHECK_FALSE(lost.value->succeeded);
  REQUIRE(lost.value->ranged.size() == 1);
  CHECK(lost.value->ranged[0].value == "replica-a");
  CHECK(lost.value->ranged[0].create_revision == epoch);  // the epoch is the key's create revision
  CHECK(lost.value->ranged[0].lease == grant.value->id);

  // The fenced claim: wins once under the right epoch, never under a stale one.
  const std::string claim = "/katabot-test/reminders/ac/2026-11-26T13:00Z/-15m/irc:#kata-dev";
  const auto stale = finish(io, client.txn(fenced_create_body(claim, R"({"state":"claimed"})", leader, epoch - 1), deadline_in(5s)));
  REQUIRE(stale.value);
  CHECK_FALSE(stale.value->succeeded);
  CHECK(stale.value->ranged.empty());  // only the fence failed: "we are no longer leader"
  const auto claimed = finish(io, client.txn(fenced_create_body(claim, R"({"state":"claimed"})", leader, epoch), deadline_in(5s)));
  REQUIRE(claimed.value);
  CHECK(claimed.value->succeeded);
  const auto again = finish(io, client.txn(fenced_create_body(claim, R"({"state":"claimed"})", leader, epoch), deadline_in(5s)));
  REQUIRE(again.value);
  CHECK_FALSE(again.value->succeeded);
  REQUIRE(again.value->ranged.size() == 1);  // already claimed
  CHECK(again.value->ranged[0].value == R"({"state":"claimed"})");

  const auto found = finish(io, client.range(claim, deadline_in(5s)));
  REQUIRE(found.value);
  CHECK(found.value->kvs.size() == 1);
  REQUIRE(finish(io, client.remove(claim, deadline_in(5s))).value);
  const auto gone = finish(io, client.range(claim, deadline_in(5s)));
  REQUIRE(gone.value);
  CHECK(gone.value->kvs.empty());

  // Revoking the lease deletes the leader key; a dead lease's keepalive has no TTL; a second revoke is 404.
  REQUIRE(finish(io, client.revoke(grant.value->id, deadline_in(5s))).value);
  const auto after = finish(io, client.range(leader, deadline_in(5s)));
  REQUIRE(after.value);
  CHECK(after.value->kvs.empty());
  const auto dead = finish(io, client.keepalive(grant.value->id, deadline_in(5s)));
  REQUIRE(dead.value);
  CHECK(dead.value->ttl_seconds == 0);
  const auto twice = finish(io, client.revoke(grant.value->id, deadline_in(5s)));
  CHECK(twice.failure == Failure::not_found);
  const auto put_on_dead = finish(io, client.txn(create_if_absent_body(leader, "replica-a", grant.value->id), deadline_in(5s)));
  CHECK(put_on_dead.failure == Failure::not_found);
}

TEST_CASE("the client goes on to the next endpoint when one is down or paused", "[etcd]") {
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  using namespace std::chrono_literals;
  const auto raft_leader = cluster.leader();
  REQUIRE(raft_leader);
  // A raft follower listed first: a paused leader would hold the others' answers too (they forward
  // to it) until they elected another, and that election is not what is tested here.
  const int paused = (*raft_leader + 1) % 3;
  auto endpoints = cluster.endpoints();
  std::rotate(endpoints.begin(), endpoints.begin() + paused, endpoints.end());
  boost::asio::io_context io;
  const auto request_timeout = 1000ms;
  EtcdClient client(io.get_executor(), client_settings(endpoints, request_timeout));
  cluster.pause(paused);  // accepts connections and never answers: only the timeout gets us past it
  const auto started = Clock::now();
  // A lease that outlives the pauses, restarts and elections below: its TTL is checked at the end.
  const auto grant = finish(io, client.grant(30, deadline_in(5s)));
  INFO(grant.detail);
  REQUIRE(grant.value);
  // One request_timeout on the paused member, then a live one answers (a hang would take the 5 s).
  CHECK(Clock::now() - started < request_timeout + 1500ms);
  cluster.resume(paused);
  REQUIRE(cluster.wait_healthy());

  // The member that answered last (listed after the paused one, a raft follower) now refuses
  // connections: the client goes on to the next one. Calls through an election are the
  // election tests' part.
  cluster.kill((paused + 1) % 3);
  const auto alive = finish(io, client.keepalive(grant.value->id, deadline_in(5s)));
  INFO(alive.detail);
  REQUIRE(alive.value);
  CHECK(alive.value->ttl_seconds == 30);

  // With no endpoint left, the answer is "unreachable" by the deadline, not a hang.
  for (int member = 0; member < 3; ++member) {
    if (cluster.running(member)) cluster.pause(member);
  }
  const auto before = Clock::now();
  const auto nothing = finish(io, client.range("/x", deadline_in(1500ms)));
  CHECK(nothing.failure == Failure::unreachable);
  CHECK(Clock::now() - before < 2500ms);
  for (int member = 0; member < 3; ++member) {
    if (cluster.running(member)) cluster.resume(member);
  }
}

TEST_CASE("the member listed first paused: calls with the callers' budget get through, and stop trying it first",
          "[etcd]") {
  using namespace std::chrono_literals;
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  const auto raft_leader = cluster.leader();
  REQUIRE(raft_leader);
  // A raft follower, so the others need no election: the budget split is all that is tested.
  const int paused = (*raft_leader + 1) % 3;
  auto endpoints = cluster.endpoints();
  std::rotate(endpoints.begin(), endpoints.begin() + paused, endpoints.end());
  boost::asio::io_context io;
  const auto request_timeout = 2000ms;
  EtcdClient client(io.get_executor(), client_settings(endpoints, request_timeout));
  cluster.pause(paused);  // accepts connections and never answers

  // Every caller's deadline is now + request_timeout (elector, claims, dedupe, overrides).
  const auto started = Clock::now();
  const auto grant = finish(io, client.grant(10, deadline_in(request_timeout)));
  INFO(grant.detail);
  REQUIRE(grant.value);
  const auto first_took = Clock::now() - started;
  std::printf("etcd first call past a paused member: %.2f s\n", std::chrono::duration<double>(first_took).count());
  CHECK(first_took <= request_timeout);

  // Then straight to a live member: well under the share (a third of the budget) the paused one would get.
  for (int call = 0; call < 3; ++call) {
    const auto again = Clock::now();
    const auto found = finish(io, client.range("/katabot-test/nothing", deadline_in(request_timeout)));
    REQUIRE(found.value);
    CHECK(Clock::now() - again < request_timeout / 3);
    const auto alive = finish(io, client.keepalive(grant.value->id, deadline_in(request_timeout)));
    REQUIRE(alive.value);
  }
  cluster.resume(paused);
}
