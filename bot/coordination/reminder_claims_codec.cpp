#include "bot/coordination/reminder_claims_codec.hpp"

#include <charconv>

#include <date/date.h>
#include <nlohmann/json.hpp>

#include "bot/base64.hpp"
#include "bot/coordination/etcd_value_json.hpp"
#include "knowledge/meetings.hpp"

namespace katabot::coordination {
namespace {

using nlohmann::json;

std::string percent_encoded(std::string_view component) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (const char c : component) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '/' || c == '%' || byte < 0x20 || byte == 0x7f) {
      out += '%';
      out += hex[byte >> 4];
      out += hex[byte & 0xf];
    } else {
      out += c;
    }
  }
  return out;
}

std::string utc_text(std::chrono::sys_seconds when) { return date::format("%FT%TZ", when); }

// "2026-11-26T13:00:00Z", exactly as utc_text writes it (date::parse's %T warns under g++ 12).
std::optional<std::chrono::sys_seconds> parse_utc(std::string_view text) {
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':' ||
      text[19] != 'Z') {
    return std::nullopt;
  }
  const auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data() + at, text.data() + at + length, value);
    if (error != std::errc() || end != text.data() + at + length) return std::nullopt;
    return value;
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second || *hour > 23 || *minute > 59 || *second > 59) {
    return std::nullopt;
  }
  const date::year_month_day ymd{date::year{*year}, date::month(static_cast<unsigned>(*month)),
                                 date::day(static_cast<unsigned>(*day))};
  if (!ymd.ok()) return std::nullopt;
  return date::sys_days{ymd} + std::chrono::hours{*hour} + std::chrono::minutes{*minute} + std::chrono::seconds{*second};
}

json compare(std::string_view key, const char* target, std::int64_t revision) {
  const std::string field = std::string(target) == "CREATE" ? "create_revision" : "mod_revision";
  return {{"key", base64_encode(key)}, {"target", target}, {"result", "EQUAL"}, {field, std::to_string(revision)}};
}

json fence_compare(const Fence& fence) { return compare(fence.leader_key, "CREATE", fence.epoch); }

json range_of(std::string_view key) { return {{"request_range", {{"key", base64_encode(key)}}}}; }

std::string guarded_put(json claim_compare, std::string_view claim_key, std::string_view record, const Fence& fence) {
  const json body = {
      {"compare", {std::move(claim_compare), fence_compare(fence)}},
      {"success", {{{"request_put", {{"key", base64_encode(claim_key)}, {"value", base64_encode(record)}}}}}},
      {"failure", {range_of(claim_key), range_of(fence.leader_key)}}};
  return body.dump();
}

const KeyValue* find_key(const TxnResult& answer, std::string_view key) {
  for (const auto& kv : answer.ranged) {
    if (kv.key == key) return &kv;
  }
  return nullptr;
}

bool fence_holds(const TxnResult& answer, const Fence& fence) {
  const auto* leader = find_key(answer, fence.leader_key);
  return leader != nullptr && leader->create_revision == fence.epoch;
}

std::string_view state_name(ClaimRecord::State state) {
  switch (state) {
    case ClaimRecord::State::claimed: return "claimed";
    case ClaimRecord::State::posted: return "posted";
    case ClaimRecord::State::skipped: return "skipped";
  }
  return "claimed";
}

}  // namespace

std::string reminder_claims_prefix(std::string_view key_prefix) { return std::string(key_prefix) + "reminders/"; }

std::string reminder_claim_key(std::string_view key_prefix, const ReminderKey& key) {
  return reminder_claims_prefix(key_prefix) + percent_encoded(key.meeting_id) + "/" + utc_text(key.occurrence) + "/-" +
         format_duration(key.offset) + "/" + percent_encoded(platform_name(key.platform)) + ":" +
         percent_encoded(key.channel);
}

std::optional<std::chrono::sys_seconds> claim_key_occurrence(std::string_view key_prefix, std::string_view claim_key) {
  const auto prefix = reminder_claims_prefix(key_prefix);
  if (!claim_key.starts_with(prefix)) return std::nullopt;
  const auto rest = claim_key.substr(prefix.size());
  const auto first = rest.find('/');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = rest.find('/', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  return parse_utc(rest.substr(first + 1, second - first - 1));
}

std::string claim_record_json(const ClaimRecord& record) {
  json body = {{"state", state_name(record.state)},
               {"epoch", record.epoch},
               {"holder", record.holder},
               {"claimed_at", utc_text(record.claimed_at)}};
  if (!record.reason.empty()) body["reason"] = record.reason;
  return value_text(body);
}

std::optional<ClaimRecord> parse_claim_record(std::string_view value) {
  const auto parsed = parse_value_object(value, max_claim_record_bytes);
  if (!parsed) return std::nullopt;
  const auto state = string_field(*parsed, "state");
  const auto epoch = integer_field(*parsed, "epoch");
  if (!state || !epoch) return std::nullopt;
  ClaimRecord record;
  if (*state == "posted") {
    record.state = ClaimRecord::State::posted;
  } else if (*state == "skipped") {
    record.state = ClaimRecord::State::skipped;
  } else if (*state != "claimed") {
    return std::nullopt;
  }
  record.epoch = *epoch;
  record.holder = string_field(*parsed, "holder").value_or("");
  if (const auto at = parse_utc(string_field(*parsed, "claimed_at").value_or(""))) record.claimed_at = *at;
  record.reason = string_field(*parsed, "reason").value_or("");
  return record;
}

std::string claim_body(std::string_view claim_key, std::string_view record, const Fence& fence) {
  return guarded_put(compare(claim_key, "CREATE", 0), claim_key, record, fence);
}

std::string mark_body(std::string_view claim_key, std::int64_t revision, std::string_view record, const Fence& fence) {
  return guarded_put(compare(claim_key, "MOD", revision), claim_key, record, fence);
}

std::string oldest_claims_body(std::string_view key_prefix, std::size_t limit) {
  const auto prefix = reminder_claims_prefix(key_prefix);
  const json range = {{"key", base64_encode(prefix)},
                      {"range_end", base64_encode(prefix_range_end(prefix))},
                      {"limit", std::to_string(limit)},
                      {"sort_order", "ASCEND"},
                      {"sort_target", "CREATE"},
                      {"keys_only", true}};
  return json{{"success", {{{"request_range", range}}}}}.dump();
}

std::string delete_claim_body(std::string_view claim_key, std::int64_t revision, const Fence& fence) {
  const json body = {{"compare", {compare(claim_key, "MOD", revision), fence_compare(fence)}},
                     {"success", {{{"request_delete_range", {{"key", base64_encode(claim_key)}}}}}}};
  return body.dump();
}

Claim judge_claim(const TxnResult& answer, std::string_view claim_key, const Fence& fence) {
  Claim claim;
  if (answer.succeeded) {
    claim.result = ClaimResult::won;
    claim.revision = answer.revision;
    return claim;
  }
  if (!fence_holds(answer, fence)) {
    claim.result = ClaimResult::fenced;
    claim.detail = "the leader key is no longer at epoch " + std::to_string(fence.epoch);
    return claim;
  }
  const auto* kv = find_key(answer, claim_key);
  if (kv == nullptr) {
    // Both compares held, yet the txn failed: not an answer this request can get; ask again.
    claim.result = ClaimResult::unavailable;
    claim.detail = "the claim txn failed without a reason";
    return claim;
  }
  claim.revision = kv->mod_revision;
  const auto record = parse_claim_record(kv->value);
  if (!record) {
    claim.result = ClaimResult::ambiguous;
    claim.detail = "its claim record is unreadable";
    return claim;
  }
  claim.claimed_at = record->claimed_at;
  if (record->state != ClaimRecord::State::claimed) {
    claim.result = ClaimResult::done;
    claim.detail = std::string(state_name(record->state)) + " by " + record->holder + " at epoch " + std::to_string(record->epoch);
  } else if (record->epoch == fence.epoch) {
    claim.result = ClaimResult::won;  // our own claim, from an attempt whose answer was lost
  } else {
    claim.result = ClaimResult::ambiguous;
    claim.claimed_epoch = record->epoch;
    claim.detail = "claimed by " + record->holder + " at epoch " + std::to_string(record->epoch);
  }
  return claim;
}

MarkResult judge_mark(const TxnResult& answer, std::string_view claim_key, const Fence& fence) {
  if (answer.succeeded) return MarkResult::marked;
  if (!fence_holds(answer, fence)) return MarkResult::fenced;
  const auto* kv = find_key(answer, claim_key);
  const auto record = kv ? parse_claim_record(kv->value) : std::nullopt;
  // An earlier mark of ours whose answer was lost already wrote it.
  if (record && record->state != ClaimRecord::State::claimed && record->epoch == fence.epoch) return MarkResult::marked;
  return MarkResult::superseded;
}

}  // namespace katabot::coordination
