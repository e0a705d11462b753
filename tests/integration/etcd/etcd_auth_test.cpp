// etcd with authentication on: the client signs in with the user and password of the config,
// sends the token (no "Bearer"), and signs in again when etcd refuses its token as expired.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot::coordination;
using katabot::test::client_settings;
using katabot::test::EtcdCluster;
using katabot::test::finish;
using Clock = std::chrono::steady_clock;

namespace {

void etcdctl(const EtcdCluster& cluster, const std::string& arguments) {
  std::string endpoints;
  for (const auto& endpoint : cluster.endpoints()) endpoints += (endpoints.empty() ? "" : ",") + endpoint;
  katabot::test::run_or_fail("ETCDCTL_API=3 etcdctl --endpoints=" + endpoints + " " + arguments);
}

}  // namespace

TEST_CASE("with etcd auth on, the client signs in, and again when etcd forgot its token", "[etcd][auth]") {
  using namespace std::chrono_literals;
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  etcdctl(cluster, "user add root --new-user-password=rootpw");
  etcdctl(cluster, "auth enable");

  boost::asio::io_context io;
  EtcdClient anonymous(io.get_executor(), client_settings(cluster.endpoints()));
  const auto refused = finish(io, anonymous.range("/katabot-test/leader", Clock::now() + 5s));
  CHECK_FALSE(refused.value);
  CHECK(refused.failure == Failure::rejected);

  EtcdClient client(io.get_executor(), {cluster.endpoints(), "/v3", {}, {}, {}, {}, "root", "rootpw", 2s});
  const auto grant = finish(io, client.grant(30, Clock::now() + 5s));
  INFO(grant.detail);
  REQUIRE(grant.value);

  // Turning auth off and on again drops every simple token, as their TTL (5 min) would.
  etcdctl(cluster, "--user root:rootpw auth disable");
  etcdctl(cluster, "auth enable");
  const auto after = finish(io, client.range("/katabot-test/leader", Clock::now() + 15s));
  INFO(after.detail);
  CHECK(after.value);
  const auto alive = finish(io, client.keepalive(grant.value->id, Clock::now() + 5s));
  REQUIRE(alive.value);
  CHECK(alive.value->ttl_seconds == 30);
}
