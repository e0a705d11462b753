#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "bot/base64.hpp"
#include "bot/coordination/etcd_codec.hpp"

using namespace katabot;
using namespace katabot::coordination;
using nlohmann::json;

TEST_CASE("base64 round-trips bytes and refuses what is not canonical", "[etcd][base64]") {
  CHECK(base64_encode("/katabot/leader") == "L2thdGFib3QvbGVhZGVy");
  CHECK(base64_encode("ab") == "YWI=");
  CHECK(base64_encode(std::string("\0\xff", 2)) == "AP8=");
  for (const std::string bytes : {"", "a", "ab", "abc", "abcd", "reminders/ac/2026-11-26T13:00Z/-15m/irc:#kata-dev"}) {
    CHECK(base64_decode(base64_encode(bytes)) == bytes);
  }
  CHECK(base64_decode("YWI=") == "ab");
  CHECK(base64_decode("YQ==") == "a");
  CHECK_FALSE(base64_decode("YWI"));      // not a multiple of 4
  CHECK_FALSE(base64_decode("Y=I="));     // padding in the middle
  CHECK_FALSE(base64_decode("YW=I"));
  CHECK_FALSE(base64_decode("YWI=YWI="));  // padding before the end
  CHECK_FALSE(base64_decode("Y\nI="));
}

TEST_CASE("request bodies send IDs as strings and keys as base64", "[etcd][codec]") {
  CHECK(json::parse(lease_grant_body(10)) == json{{"TTL", "10"}});
  CHECK(json::parse(lease_id_body(989844268821316357)) == json{{"ID", "989844268821316357"}});
  CHECK(json::parse(range_body("/katabot/leader")) == json{{"key", "L2thdGFib3QvbGVhZGVy"}});

  const auto campaign = json::parse(create_if_absent_body("/katabot/leader", "replica-a", 7587869584218826241));
  CHECK(campaign == json::parse(R"({
    "compare":[{"key":"L2thdGFib3QvbGVhZGVy","target":"CREATE","result":"EQUAL","create_revision":"0"}],
    "success":[{"request_put":{"key":"L2thdGFib3QvbGVhZGVy","value":"cmVwbGljYS1h","lease":"7587869584218826241"}}],
    "failure":[{"request_range":{"key":"L2thdGFib3QvbGVhZGVy"}}]})"));

  // The claim txn of ha.md §1.2: absent claim key, and the leader key still created at the epoch.
  const auto claim = json::parse(fenced_create_body("/katabot/reminders/x", "{}", "/katabot/leader", 42));
  REQUIRE(claim["compare"].size() == 2);
  CHECK(claim["compare"][0]["create_revision"] == "0");
  CHECK(claim["compare"][1] == json::parse(
      R"({"key":"L2thdGFib3QvbGVhZGVy","target":"CREATE","result":"EQUAL","create_revision":"42"})"));
  CHECK_FALSE(claim["success"][0]["request_put"].contains("lease"));  // claims outlive replicas

  CHECK(json::parse(watch_body("/katabot/leader", 0)) == json::parse(R"({"create_request":{"key":"L2thdGFib3QvbGVhZGVy"}})"));
  CHECK(json::parse(watch_body("/katabot/leader", 9))["create_request"]["start_revision"] == "9");
}

TEST_CASE("lease answers: IDs beyond 2^53 survive, a dead lease has no TTL", "[etcd][codec]") {
  const auto grant = decode_lease_grant(
      R"({"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"1","raft_term":"2"},"ID":"7587869584218826241","TTL":"10"})");
  REQUIRE(grant.value);
  CHECK(grant.value->id == 7587869584218826241);
  CHECK(grant.value->ttl_seconds == 10);

  const auto alive = decode_keepalive(R"({"result":{"header":{"revision":"5"},"ID":"7587869584218826241","TTL":"10"}})");
  REQUIRE(alive.value);
  CHECK(alive.value->ttl_seconds == 10);

  const auto dead = decode_keepalive(R"({"result":{"header":{"revision":"5"},"ID":"7587869584218826241"}})");
  REQUIRE(dead.value);
  CHECK(dead.value->ttl_seconds == 0);

  CHECK_FALSE(decode_lease_grant(R"({"header":{},"ID":"12x","TTL":"10"})").value);
  CHECK_FALSE(decode_lease_grant(R"({"header":{}})").value);
  CHECK_FALSE(decode_keepalive(R"({"error":{"grpc_code":14,"message":"unavailable"}})").value);
  CHECK_THAT(decode_keepalive(R"({"error":{"grpc_code":14,"message":"unavailable"}})").error,
             Catch::Contains("unavailable"));
}

TEST_CASE("txn answers: a failed txn has no 'succeeded' and carries the failure range", "[etcd][codec]") {
  const auto won = decode_txn(
      R"({"header":{"revision":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"2"}}}]})");
  REQUIRE(won.value);
  CHECK(won.value->succeeded);
  CHECK(won.value->revision == 2);

  const auto lost = decode_txn(R"({"header":{"revision":"7"},"responses":[{"response_range":{"header":{"revision":"7"},
    "kvs":[{"key":"L2thdGFib3QvbGVhZGVy","create_revision":"2","mod_revision":"2","version":"1","value":"cmVwbGljYS1h","lease":"7587869584218826241"}],"count":"1"}}]})");
  REQUIRE(lost.value);
  CHECK_FALSE(lost.value->succeeded);
  REQUIRE(lost.value->ranged.size() == 1);
  const auto& holder = lost.value->ranged.front();
  CHECK(holder.key == "/katabot/leader");
  CHECK(holder.value == "replica-a");
  CHECK(holder.create_revision == 2);
  CHECK(holder.lease == 7587869584218826241);

  // Only the fence compare failed: the range found nothing.
  const auto fenced = decode_txn(R"({"header":{"revision":"9"},"responses":[{"response_range":{"header":{"revision":"9"}}}]})");
  REQUIRE(fenced.value);
  CHECK_FALSE(fenced.value->succeeded);
  CHECK(fenced.value->ranged.empty());
}

TEST_CASE("range answers: an empty range has neither kvs nor count", "[etcd][codec]") {
  const auto empty = decode_range(R"({"header":{"revision":"3"}})");
  REQUIRE(empty.value);
  CHECK(empty.value->kvs.empty());
  CHECK(empty.value->revision == 3);

  // A key without a lease and with an empty value: proto3 leaves both out.
  const auto bare = decode_range(R"({"header":{"revision":"4"},"kvs":[{"key":"YQ==","create_revision":"4","mod_revision":"4","version":"1"}],"count":"1"})");
  REQUIRE(bare.value);
  REQUIRE(bare.value->kvs.size() == 1);
  CHECK(bare.value->kvs[0].value.empty());
  CHECK(bare.value->kvs[0].lease == 0);

  CHECK_FALSE(decode_range(R"({"kvs":[{"key":"not base64!"}]})").value);
  CHECK_FALSE(decode_range("[]").value);
  CHECK_FALSE(decode_range("{").value);
}

TEST_CASE("watch messages: created, a PUT without type, a DELETE, a compaction", "[etcd][codec]") {
  const auto created = decode_watch(R"({"result":{"header":{"revision":"5"},"created":true}})");
  REQUIRE(created.value);
  CHECK(created.value->created);

  const auto events = decode_watch(R"({"result":{"header":{"revision":"6"},"events":[
    {"kv":{"key":"L2thdGFib3QvbGVhZGVy","create_revision":"6","mod_revision":"6","version":"1","value":"Yg==","lease":"5"}},
    {"type":"DELETE","kv":{"key":"L2thdGFib3QvbGVhZGVy","mod_revision":"7"}}]}})");
  REQUIRE(events.value);
  REQUIRE(events.value->events.size() == 2);
  CHECK_FALSE(events.value->events[0].deleted);
  CHECK(events.value->events[0].kv.value == "b");
  CHECK(events.value->events[1].deleted);

  const auto canceled = decode_watch(R"({"result":{"header":{"revision":"9"},"canceled":true,"compact_revision":"8"}})");
  REQUIRE(canceled.value);
  CHECK(canceled.value->canceled);
  CHECK(canceled.value->compact_revision == 8);
}

TEST_CASE("gateway errors are read, an answer over the size bound is refused unread", "[etcd][codec]") {
  const auto not_found = decode_gateway_error(
      R"({"error":"etcdserver: requested lease not found","message":"etcdserver: requested lease not found","code":5})");
  REQUIRE(not_found);
  CHECK(not_found->code == 5);
  CHECK_FALSE(decode_gateway_error("invalid host specified (see --host-whitelist)"));

  const std::string huge = R"({"header":{},"pad":")" + std::string(max_answer_bytes, 'x') + R"("})";
  CHECK_THAT(decode_range(huge).error, Catch::Contains("over the"));
}
