// The etcd reminder claims without etcd: keys, records, fenced txn bodies, and etcd 3.4's answers
// (shapes as the gateway sends them: int64 as strings, zero fields left out) read as claims.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "bot/base64.hpp"
#include "bot/coordination/reminder_claims_codec.hpp"
#include "tests/unit/schedule_test_meetings.hpp"

using namespace katabot;
using namespace katabot::coordination;
using katabot::test::utc;
using nlohmann::json;

namespace {

const ReminderKey reminder{"ac", utc(2026, 11, 26, 13), std::chrono::minutes{15}, Platform::irc, "#kata-dev"};
const std::string claim_key = "/katabot/reminders/ac/2026-11-26T13:00:00Z/-15m/irc:#kata-dev";
const Fence fence{"/katabot/leader", 17};

// One kv as the gateway sends it.
json kv(const std::string& key, const std::string& value, std::int64_t created, std::int64_t modified) {
  return {{"key", base64_encode(key)},
          {"create_revision", std::to_string(created)},
          {"mod_revision", std::to_string(modified)},
          {"version", "1"},
          {"value", base64_encode(value)}};
}

// A failed txn whose failure branch ranged the claim and the leader key (absent ones have no kvs).
TxnResult failed_answer(std::optional<json> claim, std::optional<json> leader) {
  json responses = json::array();
  for (const auto& found : {claim, leader}) {
    json range = {{"header", {{"revision", "50"}}}};
    if (found) {
      range["kvs"] = json::array({*found});
      range["count"] = "1";
    }
    responses.push_back({{"response_range", range}});
  }
  const json answer = {{"header", {{"cluster_id", "14841639068965178418"}, {"revision", "50"}, {"raft_term", "2"}}},
                       {"responses", responses}};
  const auto decoded = decode_txn(answer.dump());
  REQUIRE(decoded.value);
  return *decoded.value;
}

const json our_leader = kv("/katabot/leader", "replica-a", 17, 17);

}  // namespace

TEST_CASE("claim keys: one component per field, '/' and '%' encoded inside", "[etcd][claims]") {
  CHECK(reminder_claim_key("/katabot/", reminder) == claim_key);
  ReminderKey odd = reminder;
  odd.meeting_id = "a/b%c";
  odd.channel = "#x/y";
  odd.offset = std::chrono::hours{24};
  CHECK(reminder_claim_key("/k/", odd) == "/k/reminders/a%2Fb%25c/2026-11-26T13:00:00Z/-1d/irc:#x%2Fy");
  CHECK(claim_key_occurrence("/k/", reminder_claim_key("/k/", odd)) == utc(2026, 11, 26, 13));
  CHECK(claim_key_occurrence("/katabot/", claim_key) == utc(2026, 11, 26, 13));
  CHECK_FALSE(claim_key_occurrence("/other/", claim_key));
  CHECK_FALSE(claim_key_occurrence("/katabot/", "/katabot/reminders/ac/yesterday/-15m/irc:#x"));
  CHECK_FALSE(claim_key_occurrence("/katabot/", "/katabot/reminders/ac"));
}

TEST_CASE("claim records round-trip and anything else is unreadable", "[etcd][claims]") {
  const ClaimRecord record{ClaimRecord::State::skipped, 17, "replica-a", utc(2026, 11, 26, 12, 45), "meeting_started"};
  const auto text = claim_record_json(record);
  CHECK(json::parse(text) == json::parse(R"({"state":"skipped","epoch":17,"holder":"replica-a",
      "claimed_at":"2026-11-26T12:45:00Z","reason":"meeting_started"})"));
  const auto back = parse_claim_record(text);
  REQUIRE(back);
  CHECK(back->state == ClaimRecord::State::skipped);
  CHECK(back->epoch == 17);
  CHECK(back->holder == "replica-a");
  CHECK(back->claimed_at == utc(2026, 11, 26, 12, 45));
  CHECK(back->reason == "meeting_started");
  for (const std::string bad : {"", "[]", R"({"state":"posted"})", R"({"state":"lost","epoch":1})",
                                R"({"state":"posted","epoch":"1"})"}) {
    INFO(bad);
    CHECK_FALSE(parse_claim_record(bad));
  }
  CHECK_FALSE(parse_claim_record(R"({"state":"posted","epoch":1,"holder":")" + std::string(5000, 'x') + "\"}"));
}

TEST_CASE("the claim txn: absent claim and the leader key at the epoch, no lease", "[etcd][claims]") {
  const auto body = json::parse(claim_body(claim_key, R"({"state":"claimed"})", fence));
  CHECK(body == json::parse(R"({
    "compare":[
      {"key":"L2thdGFib3QvcmVtaW5kZXJzL2FjLzIwMjYtMTEtMjZUMTM6MDA6MDBaLy0xNW0vaXJjOiNrYXRhLWRldg==","target":"CREATE","result":"EQUAL","create_revision":"0"},
      {"key":"L2thdGFib3QvbGVhZGVy","target":"CREATE","result":"EQUAL","create_revision":"17"}],
    "success":[{"request_put":{"key":"L2thdGFib3QvcmVtaW5kZXJzL2FjLzIwMjYtMTEtMjZUMTM6MDA6MDBaLy0xNW0vaXJjOiNrYXRhLWRldg==","value":"eyJzdGF0ZSI6ImNsYWltZWQifQ=="}}],
    "failure":[{"request_range":{"key":"L2thdGFib3QvcmVtaW5kZXJzL2FjLzIwMjYtMTEtMjZUMTM6MDA6MDBaLy0xNW0vaXJjOiNrYXRhLWRldg=="}},
               {"request_range":{"key":"L2thdGFib3QvbGVhZGVy"}}]})"));

  const auto mark = json::parse(mark_body(claim_key, 43, "{}", fence));
  CHECK(mark["compare"][0]["target"] == "MOD");
  CHECK(mark["compare"][0]["mod_revision"] == "43");
  CHECK(mark["compare"][1]["create_revision"] == "17");
  CHECK(mark["failure"].size() == 2);

  const auto removal = json::parse(delete_claim_body(claim_key, 43, fence));
  CHECK(removal["compare"].size() == 2);
  CHECK(removal["success"][0]["request_delete_range"]["key"] == mark["compare"][0]["key"]);

  const auto oldest = json::parse(oldest_claims_body("/katabot/", 64));
  const auto& range = oldest["success"][0]["request_range"];
  CHECK(base64_decode(range["key"].get<std::string>()) == "/katabot/reminders/");
  CHECK(base64_decode(range["range_end"].get<std::string>()) == "/katabot/reminders0");
  CHECK(range["limit"] == "64");
  CHECK(range["sort_target"] == "CREATE");
  CHECK(range["keys_only"] == true);
  CHECK_FALSE(oldest.contains("compare"));
}

TEST_CASE("claim answers: won, done, ambiguous, our own, fenced", "[etcd][claims]") {
  const auto won = decode_txn(
      R"({"header":{"cluster_id":"14841639068965178418","member_id":"10276657743932975437","revision":"42","raft_term":"2"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"42"}}}]})");
  REQUIRE(won.value);
  const auto claim = judge_claim(*won.value, claim_key, fence);
  CHECK(claim.result == ClaimResult::won);
  CHECK(claim.revision == 42);
  CHECK_FALSE(claim.verify_first);

  const auto posted = judge_claim(
      failed_answer(kv(claim_key, R"({"state":"posted","epoch":12,"holder":"replica-b","claimed_at":"2026-11-26T12:45:00Z"})", 40, 41),
                    our_leader),
      claim_key, fence);
  CHECK(posted.result == ClaimResult::done);
  CHECK_THAT(posted.detail, Catch::Contains("replica-b"));
  CHECK(judge_claim(failed_answer(kv(claim_key, R"({"state":"skipped","epoch":17})", 40, 41), our_leader), claim_key, fence)
            .result == ClaimResult::done);

  const auto left = judge_claim(
      failed_answer(kv(claim_key, R"({"state":"claimed","epoch":12,"holder":"replica-b","claimed_at":"2026-11-26T12:45:01Z"})", 40, 40),
                    our_leader),
      claim_key, fence);
  CHECK(left.result == ClaimResult::ambiguous);
  CHECK(left.revision == 40);
  CHECK(left.claimed_at == utc(2026, 11, 26, 12, 45, 1));

  const auto ours = judge_claim(failed_answer(kv(claim_key, R"({"state":"claimed","epoch":17})", 44, 44), our_leader), claim_key, fence);
  CHECK(ours.result == ClaimResult::won);
  CHECK(ours.revision == 44);

  CHECK(judge_claim(failed_answer(kv(claim_key, "garbage", 40, 40), our_leader), claim_key, fence).result ==
        ClaimResult::ambiguous);

  // Deposed: the leader key is gone, or a newer leader created it again; whatever the claim says.
  CHECK(judge_claim(failed_answer(std::nullopt, std::nullopt), claim_key, fence).result == ClaimResult::fenced);
  CHECK(judge_claim(failed_answer(std::nullopt, kv("/katabot/leader", "replica-b", 60, 60)), claim_key, fence).result ==
        ClaimResult::fenced);
  CHECK(judge_claim(failed_answer(kv(claim_key, R"({"state":"claimed","epoch":12})", 40, 40),
                                  kv("/katabot/leader", "replica-b", 60, 60)),
                    claim_key, fence)
            .result == ClaimResult::fenced);
}

TEST_CASE("mark answers: marked, an earlier answer lost, superseded, fenced", "[etcd][claims]") {
  const auto done = decode_txn(R"({"header":{"revision":"45"},"succeeded":true,"responses":[{"response_put":{"header":{"revision":"45"}}}]})");
  REQUIRE(done.value);
  CHECK(judge_mark(*done.value, claim_key, fence) == MarkResult::marked);
  CHECK(judge_mark(failed_answer(kv(claim_key, R"({"state":"posted","epoch":17})", 40, 45), our_leader), claim_key, fence) ==
        MarkResult::marked);
  CHECK(judge_mark(failed_answer(kv(claim_key, R"({"state":"posted","epoch":18})", 40, 45), our_leader), claim_key, fence) ==
        MarkResult::superseded);
  CHECK(judge_mark(failed_answer(std::nullopt, our_leader), claim_key, fence) == MarkResult::superseded);
  CHECK(judge_mark(failed_answer(kv(claim_key, R"({"state":"claimed","epoch":17})", 40, 44), std::nullopt), claim_key, fence) ==
        MarkResult::fenced);
}
