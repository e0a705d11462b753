// Overrides shared by the replicas through etcd, without sockets: the keys and values, what a load
// accepts, the order of loads and this replica's own writes, and the refusal while etcd is silent.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "bot/base64.hpp"
#include "bot/coordination/etcd_codec.hpp"
#include "bot/coordination/shared_overrides.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/scheduler/override_log.hpp"
#include "tests/unit/test_support.hpp"

using namespace katabot;
using namespace katabot::coordination;

namespace {

constexpr date::year_month_day dec24 = date::year{2026} / 12 / 24;
constexpr date::year_month_day dec31 = date::year{2026} / 12 / 31;
const std::string prefix = "/katabot/overrides/";

OccurrenceOverride skip(date::year_month_day day, std::string reason) {
  return {"architecture-committee", day, OccurrenceOverride::Kind::skip, std::move(reason)};
}

KeyValue stored(const OccurrenceOverride& change) {
  return {override_key(prefix, change.meeting_id, change.date), format_override_record(change)};
}

RangeResult range_at(std::int64_t revision, std::vector<KeyValue> kvs = {}) { return {revision, std::move(kvs)}; }

}  // namespace

TEST_CASE("prefix ranges end at the prefix's last byte raised by one", "[etcd][codec][overrides]") {
  CHECK(prefix_range_end("/katabot/overrides/") == "/katabot/overrides0");
  CHECK(prefix_range_end("a\xff") == "b");
  CHECK(prefix_range_end("\xff") == std::string(1, '\0'));
  const auto body = nlohmann::json::parse(prefix_page_body("/k/", {.limit = 500}));
  CHECK(body["key"] == base64_encode("/k/"));
  CHECK(body["range_end"] == base64_encode("/k0"));
  CHECK(body["limit"] == "500");  // int64 as a string
  CHECK_FALSE(body.contains("revision"));
  CHECK_FALSE(body.contains("keys_only"));
  const auto next = nlohmann::json::parse(prefix_page_body("/k/", {"/k/c", 50, 42, true}));
  CHECK(next["key"] == base64_encode("/k/c"));  // continues after the last key of the page before
  CHECK(next["range_end"] == base64_encode("/k0"));
  CHECK(next["revision"] == "42");
  CHECK(next["keys_only"] == true);
  const auto watch = nlohmann::json::parse(prefix_watch_body("/k/"));
  CHECK(watch["create_request"]["range_end"] == base64_encode("/k0"));
  const auto put = nlohmann::json::parse(put_body("/k/a", "v1"));
  CHECK(put["value"] == base64_encode("v1"));
  CHECK_FALSE(put.contains("lease"));
}

TEST_CASE("write answers give the store's revision, and a range cut by its limit says so", "[etcd][codec][overrides]") {
  CHECK(decode_write_revision(R"({"header":{"cluster_id":"1","revision":"42"}})").value == 42);
  CHECK_FALSE(decode_write_revision(R"({"header":{}})").value);
  const auto cut = decode_range(R"({"header":{"revision":"9"},"kvs":[{"key":"L2sv","value":"eA=="}],"more":true,"count":"2"})");
  REQUIRE(cut.value);
  CHECK(cut.value->more);
  CHECK_FALSE(decode_range(R"({"header":{"revision":"9"}})").value->more);
}

TEST_CASE("a change is refused while the coordinator has not answered, with a message saying so", "[overrides]") {
  SharedOverrides shared("/katabot/");
  CHECK(shared.prefix() == prefix);
  const auto refused = shared.record({false, skip(dec24, "holidays")});
  CHECK_FALSE(refused.in_force);
  CHECK(refused.problem ==
        "Could not save the skip of architecture-committee on 2026-12-24: the coordinator (etcd) did not answer. "
        "Nothing changed; try again in a moment.");
  CHECK(shared.overrides().empty());
  CHECK(shared.next_write() == nullptr);
}

TEST_CASE("a change is in force at once, written as the log's record under its own key, and kept over stale loads",
          "[overrides]") {
  SharedOverrides shared("/katabot/");
  int woken = 0;
  shared.on_recorded([&] { ++woken; });
  REQUIRE(shared.loaded(range_at(5)));  // the first load settles the store (the scheduler may plan), though empty
  REQUIRE(shared.record({false, skip(dec24, "holidays")}).problem.empty());
  CHECK(woken == 1);
  CHECK(shared.overrides() == std::vector{skip(dec24, "holidays")});
  const auto* write = shared.next_write();
  REQUIRE(write != nullptr);
  CHECK(write->key == "/katabot/overrides/architecture-committee/2026-12-24");
  CHECK(write->value == format_override_record(skip(dec24, "holidays")));

  // A load that started before the write must not take it back.
  CHECK_FALSE(shared.loaded(range_at(5)));
  CHECK(shared.overrides().size() == 1);
  CHECK_FALSE(shared.confirmed(write->id, 6));
  CHECK(shared.next_write() == nullptr);
  CHECK_FALSE(shared.loaded(range_at(5)));  // older than the confirmed write
  CHECK(shared.overrides().size() == 1);

  // Another replica's unskip at revision 7: the next load is the truth.
  CHECK(shared.loaded(range_at(7)));
  CHECK(shared.overrides().empty());

  // An unskip is a delete.
  REQUIRE(shared.record({true, skip(dec31, "")}).problem.empty());
  REQUIRE(shared.next_write() != nullptr);
  CHECK(shared.next_write()->value.empty());
}

TEST_CASE("a change etcd did not confirm is taken back, and the next ones are refused until a load succeeds",
          "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.loaded(range_at(3, {stored(skip(dec31, "holidays"))}));
  REQUIRE(shared.record({false, skip(dec24, "travel")}).problem.empty());
  CHECK(shared.failed(shared.next_write()->id));
  CHECK(shared.overrides() == std::vector{skip(dec31, "holidays")});  // the last known ones stay
  CHECK_FALSE(shared.record({false, skip(dec24, "travel")}).in_force);
  shared.unreachable();
  CHECK_FALSE(shared.record({false, skip(dec24, "travel")}).in_force);
  shared.loaded(range_at(3, {stored(skip(dec31, "holidays"))}));
  CHECK(shared.record({false, skip(dec24, "travel")}).in_force);
}

TEST_CASE("changes waiting for etcd are bounded", "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.loaded(range_at(1));
  auto day = date::sys_days{dec24};
  for (std::size_t i = 0; i < max_pending_override_writes; ++i) {
    REQUIRE(shared.record({false, skip(date::year_month_day{day += date::days{7}}, "")}).in_force);
  }
  const auto refused = shared.record({false, skip(dec24, "")});
  CHECK_FALSE(refused.in_force);
  CHECK(refused.problem.find("16 changes are still waiting") != std::string::npos);
}

TEST_CASE("a load keeps only well-formed overrides under their own key, and says what it left out", "[overrides]") {
  SharedOverrides shared("/katabot/");
  auto misplaced = stored(skip(dec24, "x"));
  misplaced.key = prefix + "architecture-committee/2026-12-25";
  auto huge = stored(skip(dec31, std::string(max_override_value_bytes, 'x')));
  const KeyValue clear{override_key(prefix, "architecture-committee", dec31),
                       format_clear_record("architecture-committee", dec31)};
  const KeyValue garbage{prefix + "x/y", "v1 skip"};
  const KeyValue long_key{prefix + std::string(max_override_key_bytes, 'k'), format_override_record(skip(dec31, ""))};
  auto range = range_at(4, {misplaced, huge, clear, garbage, long_key, stored(skip(dec24, "holidays"))});
  range.more = true;
  CHECK(shared.loaded(range));
  CHECK(shared.overrides() == std::vector{skip(dec24, "holidays")});
  REQUIRE(shared.problems().size() == 6);
  CHECK(shared.problems()[0] ==
        "key '/katabot/overrides/architecture-committee/2026-12-25': the key does not match its record's meeting and date");
  CHECK(shared.problems()[1].find("is over 1024") != std::string::npos);
  CHECK(shared.problems()[2].find("not a skip or move record") != std::string::npos);
  CHECK(shared.problems()[3].find("not a skip or move record") != std::string::npos);
  CHECK(shared.problems()[4].find("key over 512 bytes") != std::string::npos);
  CHECK(shared.problems()[5] == "more than 500 overrides under '/katabot/overrides/': only the first ones by key are used");
}

TEST_CASE("past overrides are hidden and listed for deletion from etcd", "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.prune(dec31);
  shared.loaded(range_at(2, {stored(skip(dec24, "past")), stored(skip(dec31, "today"))}));
  CHECK(shared.overrides() == std::vector{skip(dec31, "today")});
  CHECK(shared.expired_keys() == std::vector<std::string>{override_key(prefix, "architecture-committee", dec24)});
}

TEST_CASE("the knowledge store follows a shared store, and a refused change answers the refusal and tells no channel",
          "[overrides]") {
  KnowledgeStore store(katabot::test::source_dir() / "knowledge", CommandRegistry().reserved_words());
  REQUIRE(store.reload().empty());
  const auto nowhere = store.change_schedule({false, skip(dec24, "")});  // no state_dir, nothing shared
  CHECK_FALSE(nowhere.in_force);
  CHECK(nowhere.problem == "This bot keeps no schedule changes: it has no state_dir.");
  auto owned = std::make_unique<SharedOverrides>("/katabot/");
  auto& shared = *owned;
  store.use_overrides(std::move(owned));

  Reply reply;
  reply.text = "Skipped Architecture Committee on Thursday 24 December.";
  reply.schedule_change = ScheduleChange{false, skip(dec24, "")};
  reply.broadcast = Broadcast{"architecture-committee", "Architecture Committee on Thursday 24 December is cancelled."};
  carry_out(reply, store);
  CHECK(reply.text.starts_with("Could not save the skip of architecture-committee on 2026-12-24"));
  CHECK(reply.mrkdwn == escape_mrkdwn(reply.text));
  CHECK_FALSE(reply.broadcast);
  CHECK(store.snapshot()->find_meeting("architecture-committee")->overrides.empty());

  // Another replica's skip arrives: the store publishes it once told.
  shared.loaded(range_at(8, {stored(skip(dec24, "holidays"))}));
  store.overrides_changed();
  REQUIRE(store.snapshot()->find_meeting("architecture-committee")->overrides.size() == 1);
  CHECK(store.snapshot()->find_meeting("architecture-committee")->overrides[0].reason == "holidays");
}

TEST_CASE("overrides kept in the replica's own file are copied to etcd once, with a marker, unless etcd has that date",
          "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.prune(dec24);
  shared.carry_over({skip(date::year{2026} / 12 / 17, "past"), skip(dec24, "file"), skip(dec31, "file")});
  CHECK(shared.migration() == nullptr);  // nothing known of etcd yet
  CHECK_FALSE(shared.known());
  CHECK(shared.loaded(range_at(3, {stored(skip(dec24, "etcd"))})));
  CHECK(shared.known());
  CHECK_FALSE(shared.settled());  // the copy is still to be made
  CHECK(shared.next_write() == nullptr);  // not a plain write: a transaction with the marker
  const auto* migration = shared.migration();
  REQUIRE(migration != nullptr);
  CHECK(migration->marker_key == "/katabot/overrides-migrated");
  REQUIRE(migration->puts.size() == 2);
  CHECK(migration->puts[0].first == "/katabot/overrides-migrated");
  CHECK(migration->puts[1] == std::pair{override_key(prefix, "architecture-committee", dec31),
                                        format_override_record(skip(dec31, "file"))});
  const auto body = nlohmann::json::parse(create_all_if_absent_body(migration->puts, migration->marker_key));
  CHECK(body["compare"].size() == 2);
  CHECK(body["compare"][0]["key"] == base64_encode("/katabot/overrides-migrated"));
  CHECK(body["compare"][0]["create_revision"] == "0");
  CHECK(body["success"].size() == 2);
  CHECK(body["failure"][0]["request_range"]["key"] == base64_encode("/katabot/overrides-migrated"));
  CHECK(shared.overrides() == std::vector{skip(dec24, "etcd")});  // not shown before etcd has it

  CHECK(shared.migrated({true, 4, {}}));
  CHECK(shared.settled());
  CHECK(shared.overrides() == std::vector{skip(dec24, "etcd"), skip(dec31, "file")});
  shared.loaded(range_at(4));  // only once
  CHECK(shared.migration() == nullptr);
}

TEST_CASE("local overrides are not copied again once the marker is in etcd: an unskip made since stays", "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.carry_over({skip(dec24, "file")});
  shared.loaded(range_at(9));  // the skip was unskipped in etcd since it was copied
  REQUIRE(shared.migration() != nullptr);
  const KeyValue marker{"/katabot/overrides-migrated", "1 overrides copied", 3, 3, 1, 0};
  CHECK(shared.migrated({false, 9, {marker}}));  // settled: planning may begin
  CHECK(shared.settled());
  CHECK(shared.overrides().empty());
  shared.loaded(range_at(10));
  CHECK(shared.migration() == nullptr);
}

TEST_CASE("a copy refused because a key was written meanwhile is computed again at the next load", "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.carry_over({skip(dec24, "file"), skip(dec31, "file")});
  shared.loaded(range_at(2));
  CHECK_FALSE(shared.migrated({false, 3, {}}));  // no marker: another replica wrote dec24
  CHECK_FALSE(shared.settled());
  shared.loaded(range_at(3, {stored(skip(dec24, "other"))}));
  REQUIRE(shared.migration() != nullptr);
  REQUIRE(shared.migration()->copied == std::vector{skip(dec31, "file")});
  shared.migration_unanswered();
  CHECK(shared.migration() == nullptr);
  CHECK_FALSE(shared.settled());
}

TEST_CASE("local overrides are not copied when the load was cut by its limit: what etcd lacks is unknown", "[overrides]") {
  SharedOverrides shared("/katabot/");
  shared.carry_over({skip(dec24, "file")});
  auto cut = range_at(2);
  cut.more = true;
  shared.loaded(cut);
  CHECK(shared.migration() == nullptr);
  CHECK(shared.settled());  // the leader's reminders are not held up by a copy that could never be made
  REQUIRE(shared.problems().size() == 2);
  CHECK(shared.problems()[1] == "the local overrides are not copied into etcd: it holds more than it loads");
}
