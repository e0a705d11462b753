// Reading our records back from etcd values: the size bound comes before parsing, and a field of
// the wrong type is absent rather than an exception (anyone with write access may put anything).
#include <catch2/catch.hpp>

#include "bot/coordination/etcd_value_json.hpp"
#include "bot/coordination/reminder_claims_codec.hpp"

using namespace katabot::coordination;
using nlohmann::json;

TEST_CASE("an etcd value is read as a JSON object only within its size bound", "[etcd]") {
  const std::string value = R"({"name":"ac"})";
  CHECK(parse_value_object(value, value.size()) == json{{"name", "ac"}});
  CHECK_FALSE(parse_value_object(value, value.size() - 1));
  for (const std::string other : {"", "[]", "\"text\"", "17", "{\"name\":", "{} {}"}) {
    INFO(other);
    CHECK_FALSE(parse_value_object(other, 64));
  }
}

TEST_CASE("record fields are read at their type, anything else is absent", "[etcd]") {
  const json record = {{"text", "hi"}, {"count", 3}, {"flag", true}, {"ratio", 0.5}};
  CHECK(string_field(record, "text") == "hi");
  CHECK(integer_field(record, "count") == 3);
  CHECK(boolean_field(record, "flag") == true);
  CHECK_FALSE(string_field(record, "count"));
  CHECK_FALSE(integer_field(record, "text"));
  CHECK_FALSE(integer_field(record, "ratio"));
  CHECK_FALSE(boolean_field(record, "count"));
  CHECK_FALSE(string_field(record, "missing"));
}

TEST_CASE("a claim record whose optional fields have the wrong type reads them as absent", "[etcd][claims]") {
  const auto record = parse_claim_record(R"({"state":"posted","epoch":4,"holder":5,"claimed_at":[],"reason":{}})");
  REQUIRE(record);
  CHECK(record->state == ClaimRecord::State::posted);
  CHECK(record->epoch == 4);
  CHECK(record->holder.empty());
  CHECK(record->claimed_at == std::chrono::sys_seconds{});
  CHECK(record->reason.empty());
}

TEST_CASE("a record's text replaces invalid UTF-8 instead of throwing", "[etcd]") {
  CHECK(value_text(json{{"text", "a\xff"}}) == "{\"text\":\"a\xEF\xBF\xBD\"}");
}
