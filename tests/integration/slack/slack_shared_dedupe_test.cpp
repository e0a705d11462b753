// Two replicas serving one Slack app, deduplicating events through a real etcd on loopback: Slack
// sends each delivery to one of the app's connections, and a retry may go to the other replica.
#include <catch2/catch.hpp>

#include <algorithm>

#include "adapter_harness.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot;
using namespace katabot::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

json mention(const std::string& text, const std::string& ts) {
  return {{"type", "app_mention"}, {"channel", "C1"}, {"user", "U2"}, {"text", text}, {"ts", ts}, {"event_ts", ts}};
}

struct TwoReplicas {
  EtcdCluster etcd{1};
  FakeSlack fake;
  std::unique_ptr<AdapterHarness> a;
  std::unique_ptr<AdapterHarness> b;
  int a_connection = 0;
  int b_connection = 0;

  TwoReplicas() {
    REQUIRE(etcd.wait_healthy());
    a = std::make_unique<AdapterHarness>(fake, replica("replica-a"));
    REQUIRE(a->wait_ready(deadline_in(5s)));
    a_connection = newest_open_connection();
    b = std::make_unique<AdapterHarness>(fake, replica("replica-b"));
    REQUIRE(b->wait_ready(deadline_in(5s)));
    REQUIRE(fake.wait_open_connections(2, deadline_in(5s)));
    b_connection = newest_open_connection();
    REQUIRE(a_connection != b_connection);
  }

  CoordinationConfig replica(const std::string& identity) const {
    CoordinationConfig config;
    config.backend = CoordinationConfig::Backend::etcd;
    config.identity = identity;
    config.key_prefix = "/katabot-test/";
    // Not the budget under test: a claim that timed out on a loaded machine would fail open and
    // the event would be answered twice. 3 s is the most --check-config allows with the default
    // 10 s TTL; with etcd down a claim fails open after it (the client retries until then).
    config.request_timeout = 3s;
    config.etcd.endpoints = etcd.endpoints();
    return config;
  }

  int newest_open_connection() const {
    int newest = 0;
    for (const auto& connection : fake.connections()) {
      if (connection.open) newest = std::max(newest, connection.id);
    }
    REQUIRE(newest != 0);
    return newest;
  }

  // The claim of `event_id` as etcd holds it.
  coordination::KeyValue claim_of(const std::string& event_id) const {
    boost::asio::io_context io;
    coordination::EtcdClient client(io.get_executor(), client_settings(etcd.endpoints()));
    const auto found = finish(io, client.range("/katabot-test/events/" + event_id, deadline_in(5s)));
    REQUIRE(found.value);
    REQUIRE(found.value->kvs.size() == 1);
    return found.value->kvs[0];
  }

  // `path` of etcd's JSON gateway about `lease`.
  json ask_about_lease(const std::string& path, std::int64_t lease) const {
    const auto endpoint = etcd.endpoints().at(0);
    const auto port = static_cast<std::uint16_t>(std::stoi(endpoint.substr(endpoint.rfind(':') + 1)));
    const auto answer = http_post(port, path, json{{"ID", std::to_string(lease)}}.dump(), 5000ms);
    REQUIRE(answer);
    return json::parse(*answer);
  }
  // The granted TTL of `lease`, in seconds.
  std::int64_t lease_ttl(std::int64_t lease) const {
    return std::stoll(ask_about_lease("/v3/lease/timetolive", lease).value("grantedTTL", std::string("0")));
  }

  // The mention `event_id` as Slack delivers it to `connection` (a retry carries a new envelope id).
  void deliver(int connection, const std::string& envelope_id, const std::string& event_id, int retry_attempt) {
    const auto ts = "1700." + event_id.substr(2);  // one message per event
    fake.send_text_to(connection,
                      event_envelope(envelope_id, event_id, mention("<@UBOT> conduct", ts), retry_attempt).dump());
    REQUIRE(fake.wait_ack(envelope_id, deadline_in(3s)));
  }
};

}  // namespace

TEST_CASE("slack replicas: an event retried to the other replica is answered once", "[slack][etcd][event_claims]") {
  TwoReplicas r;
  r.deliver(r.a_connection, "env-1", "Ev1", 0);
  REQUIRE(r.fake.wait_calls("chat.postMessage", 1, deadline_in(5s)).size() == 1);
  r.deliver(r.b_connection, "env-1r", "Ev1", 1);
  REQUIRE(r.b->wait_metric("katabot_slack_events_deduplicated_total", {{"scope", "shared"}}, 1, deadline_in(5s)));
  CHECK(r.b->inbounds().empty());  // dropped before the router
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
  CHECK(r.a->metric("katabot_slack_event_claims_failed_open_total") == 0);
  // A's claim, on the shared 15-minute dedupe lease (not a session lease that dies on failover).
  const auto claim = r.claim_of("Ev1");
  CHECK(claim.value == "replica-a");
  REQUIRE(claim.lease != 0);
  CHECK(r.lease_ttl(claim.lease) == 900);

  // etcd lost the dedupe lease (revoked, a restored backup): the next claim takes a new one.
  r.ask_about_lease("/v3/lease/revoke", claim.lease);
  r.deliver(r.a_connection, "env-3", "Ev3", 0);
  REQUIRE(r.fake.wait_calls("chat.postMessage", 2, deadline_in(5s)).size() == 2);
  const auto renewed = r.claim_of("Ev3");
  CHECK(renewed.lease != 0);
  CHECK(renewed.lease != claim.lease);
  CHECK(r.a->metric("katabot_slack_event_claims_failed_open_total") == 0);

  // Each replica still answers its own share: a new event on B is B's to answer.
  r.deliver(r.b_connection, "env-2", "Ev2", 0);
  CHECK(r.fake.wait_calls("chat.postMessage", 3, deadline_in(5s)).size() == 3);
}

TEST_CASE("slack replicas: with etcd down both answer (fail open), and say so in a counter",
          "[slack][etcd][event_claims]") {
  TwoReplicas r;
  r.etcd.kill(0);
  r.deliver(r.a_connection, "env-1", "Ev1", 0);
  r.deliver(r.b_connection, "env-1r", "Ev1", 1);
  // Slack answers go on without quorum (shared/design/ha.md §7): a retry may then be answered twice.
  CHECK(r.fake.wait_calls("chat.postMessage", 2, deadline_in(10s)).size() == 2);
  CHECK(r.a->wait_metric("katabot_slack_event_claims_failed_open_total", {}, 1, deadline_in(1s)));
  CHECK(r.b->wait_metric("katabot_slack_event_claims_failed_open_total", {}, 1, deadline_in(1s)));
}
