// The broadcast outbox without etcd: entry keys, the record and its bounds, staleness, and the
// fenced take (a delete that only the leader of the epoch can make, at the revision it read).
#include <catch2/catch.hpp>

#include <limits>

#include <nlohmann/json.hpp>

#include "bot/base64.hpp"
#include "bot/coordination/broadcast_outbox_codec.hpp"
#include "bot/coordination/reminder_claims_codec.hpp"

using namespace katabot;
using namespace katabot::coordination;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

const std::chrono::sys_seconds created{std::chrono::seconds{1'796'000'000}};

OutboxEntry announcement() {
  return {Broadcast{"ac", "agenda is up\nsecond line", true}, "alice", "replica-b", created};
}

}  // namespace

TEST_CASE("outbox entry keys are unique per replica and stay under the prefix", "[etcd][outbox]") {
  const std::chrono::system_clock::time_point at = created + 250ms;
  CHECK(outbox_prefix("/katabot/") == "/katabot/broadcasts/");
  CHECK(outbox_entry_key("/katabot/", at, "replica-b", 7) == "/katabot/broadcasts/1796000000250-replica-b-7");
  CHECK(outbox_entry_key("/katabot/", at, "../evil/\nname", 1) == "/katabot/broadcasts/1796000000250-.._evil__name-1");
  CHECK(outbox_entry_key("/katabot/", at, "replica-b", 8) != outbox_entry_key("/katabot/", at, "replica-b", 7));
}

TEST_CASE("outbox records carry the broadcast, who asked and when, and nothing unbounded", "[etcd][outbox]") {
  const auto record = outbox_entry_json(announcement());
  REQUIRE(record);
  const auto fields = json::parse(*record);
  CHECK(fields["meeting_id"] == "ac");
  CHECK(fields["text"] == "agenda is up\nsecond line");
  CHECK(fields["with_reminder"] == true);
  CHECK(fields["asked_by"] == "alice");
  CHECK(fields["replica"] == "replica-b");
  CHECK(fields["created_at"] == 1'796'000'000);

  const auto parsed = parse_outbox_entry(*record);
  REQUIRE(parsed);
  CHECK(parsed->broadcast.meeting_id == "ac");
  CHECK(parsed->broadcast.text == "agenda is up\nsecond line");
  CHECK(parsed->broadcast.with_reminder);
  CHECK(parsed->asked_by == "alice");
  CHECK(parsed->replica == "replica-b");
  CHECK(parsed->created_at == created);

  auto huge = announcement();
  huge.broadcast.text.assign(max_outbox_entry_bytes, 'x');
  CHECK_FALSE(outbox_entry_json(huge));
  CHECK_FALSE(parse_outbox_entry(std::string(max_outbox_entry_bytes + 1, ' ')));
  for (const auto* hostile : {"", "[]", "{}", "{\"meeting_id\":\"\",\"text\":\"\",\"with_reminder\":false,\"created_at\":1}",
                              "{\"meeting_id\":\"ac\",\"text\":1,\"with_reminder\":false,\"created_at\":1}",
                              "{\"meeting_id\":\"ac\",\"text\":\"\",\"with_reminder\":\"yes\",\"created_at\":1}",
                              "{\"meeting_id\":\"ac\",\"text\":\"\",\"with_reminder\":false,\"created_at\":\"now\"}",
                              "{\"meeting_id\":\"ac\",\"text\":\"\",\"with_reminder\":false"}) {
    INFO(hostile);
    CHECK_FALSE(parse_outbox_entry(hostile));
  }
}

TEST_CASE("outbox entries older than their lifetime are stale", "[etcd][outbox]") {
  const auto entry = announcement();
  CHECK_FALSE(outbox_entry_stale(entry, created));
  CHECK_FALSE(outbox_entry_stale(entry, created + outbox_entry_lifetime));
  CHECK(outbox_entry_stale(entry, created + outbox_entry_lifetime + 1s));
}

TEST_CASE("outbox entries dated beyond any clock skew are stale, whatever their number", "[etcd][outbox]") {
  auto entry = announcement();
  CHECK_FALSE(outbox_entry_stale(entry, created - outbox_entry_lifetime));  // a writer's clock ahead of ours
  CHECK(outbox_entry_stale(entry, created - outbox_entry_lifetime - 1s));
  for (const auto extreme : {std::numeric_limits<std::int64_t>::min(), std::numeric_limits<std::int64_t>::max()}) {
    entry.created_at = std::chrono::sys_seconds{std::chrono::seconds{extreme}};  // parse_outbox_entry takes any int64
    CHECK(outbox_entry_stale(entry, created));
  }
}

TEST_CASE("taking an outbox entry is a delete fenced by the epoch and the revision read", "[etcd][outbox]") {
  const Fence fence{"/katabot/leader", 17};
  const std::string key = "/katabot/broadcasts/1796000000250-replica-b-7";
  const auto body = json::parse(delete_claim_body(key, 42, fence));
  REQUIRE(body["compare"].size() == 2);
  CHECK(base64_decode(body["compare"][0]["key"].get<std::string>()) == key);
  CHECK(body["compare"][0]["target"] == "MOD");
  CHECK(body["compare"][0]["mod_revision"] == "42");
  CHECK(base64_decode(body["compare"][1]["key"].get<std::string>()) == "/katabot/leader");
  CHECK(body["compare"][1]["target"] == "CREATE");
  CHECK(body["compare"][1]["create_revision"] == "17");
  CHECK(base64_decode(body["success"][0]["request_delete_range"]["key"].get<std::string>()) == key);
}
