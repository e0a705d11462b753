// The pure part of the Slack event dedupe across replicas: which ids become etcd keys, which shared
// dedupe lease a claim binds to, and when an etcd outage is logged.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "bot/coordination/event_claims.hpp"

using namespace katabot::coordination;
using namespace std::chrono_literals;

TEST_CASE("event claims: an event id becomes a key under the prefix, anything else never does", "[coordination][event_claims]") {
  CHECK(event_claim_key("/katabot/", "Ev0123ABCDEF") == "/katabot/events/Ev0123ABCDEF");
  CHECK(event_claim_key("/k/", std::string(max_event_id_bytes, 'a')) == "/k/events/" + std::string(max_event_id_bytes, 'a'));
  CHECK_FALSE(event_claim_key("/k/", ""));
  CHECK_FALSE(event_claim_key("/k/", std::string(max_event_id_bytes + 1, 'a')));
  // What would step out of the events/ folder, split a log line or hide in a key.
  for (const std::string& hostile : std::vector<std::string>{"../leader", "Ev1/x", "Ev1\n", std::string("Ev\0" "1", 4),
                                                              "Ev 1", "Ev\xc3\xa9", "Ev%2F"}) {
    CHECK_FALSE(event_claim_key("/k/", hostile));
  }
}

TEST_CASE("event claims: a claim binds to the newest dedupe lease, a new one is granted every rotation", "[coordination][event_claims]") {
  DedupeLease lease(15min, 5min);
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  CHECK_FALSE(lease.usable(start));  // none granted yet
  lease.granted(7, start);
  CHECK(lease.usable(start) == 7);
  CHECK(lease.usable(start + 5min - 1s) == 7);
  CHECK_FALSE(lease.usable(start + 5min));  // it still lives 10 min: time for the next one
  lease.granted(8, start + 5min);
  CHECK(lease.usable(start + 6min) == 8);
  // A grant asked for earlier that answers later does not replace the newer lease.
  lease.granted(6, start + 4min);
  CHECK(lease.usable(start + 6min) == 8);
  // etcd lost it: the next claim grants a new one; forgetting an old id changes nothing.
  lease.forget(7);
  CHECK(lease.usable(start + 6min) == 8);
  lease.forget(8);
  CHECK_FALSE(lease.usable(start + 6min));
  CHECK(lease.ttl() == 15min);
}

TEST_CASE("event claims: a rotation longer than the lease is cut to it", "[coordination][event_claims]") {
  DedupeLease lease(60s, 10min);
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  lease.granted(1, start);
  CHECK(lease.usable(start + 59s) == 1);
  CHECK_FALSE(lease.usable(start + 60s));
}

TEST_CASE("event claims: an etcd outage is noticed once, and its end once", "[coordination][event_claims]") {
  OutageNotice outage;
  CHECK_FALSE(outage.answered());
  CHECK(outage.failed());
  CHECK_FALSE(outage.failed());
  CHECK_FALSE(outage.failed());
  CHECK(outage.answered());
  CHECK_FALSE(outage.answered());
  CHECK(outage.failed());
}
