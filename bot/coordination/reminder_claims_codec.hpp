#pragma once
// The reminder claims of shared/design/ha.md §3.3 in etcd, without sockets: the claim keys, the
// record a claim key holds, the fenced txn bodies and what etcd's answers mean. Every write
// compares the leader key's create revision with the epoch, so a deposed leader writes nothing.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "bot/coordination/etcd_codec.hpp"
#include "bot/scheduler/reminder_claim.hpp"
#include "bot/scheduler/reminder_key.hpp"

namespace katabot::coordination {

// The leader this process is: the writes it makes are valid only while `leader_key` was created
// at revision `epoch`.
struct Fence {
  std::string leader_key;
  std::int64_t epoch = 0;
};

// A claim record is at most this long; a longer value is not ours and is read as unreadable.
constexpr std::size_t max_claim_record_bytes = 4096;

// "<key_prefix>reminders/"
std::string reminder_claims_prefix(std::string_view key_prefix);
// "<key_prefix>reminders/<meeting>/<occurrence UTC>/-<offset>/<platform>:<channel>", with '/',
// '%' and control bytes percent-encoded inside each component.
std::string reminder_claim_key(std::string_view key_prefix, const ReminderKey& key);
// The occurrence a claim key names; nullopt when the key is not a claim key under `key_prefix`.
std::optional<std::chrono::sys_seconds> claim_key_occurrence(std::string_view key_prefix, std::string_view claim_key);

struct ClaimRecord {
  enum class State { claimed, posted, skipped };
  State state = State::claimed;
  std::int64_t epoch = 0;
  std::string holder;
  std::chrono::sys_seconds claimed_at{};
  std::string reason;  // skipped: why
};
std::string claim_record_json(const ClaimRecord& record);
std::optional<ClaimRecord> parse_claim_record(std::string_view value);

// Creates the claim if it does not exist and the fence holds; otherwise ranges the claim and the
// leader key, so the answer tells who settled it or that we are deposed.
std::string claim_body(std::string_view claim_key, std::string_view record, const Fence& fence);
// Replaces the claim if it is still at `revision` and the fence holds; otherwise ranges both.
std::string mark_body(std::string_view claim_key, std::int64_t revision, std::string_view record, const Fence& fence);
// The `limit` claim keys created first (keys only): housekeeping's candidates, oldest first.
std::string oldest_claims_body(std::string_view key_prefix, std::size_t limit);
// Deletes the claim if it is still at `revision` and the fence holds.
std::string delete_claim_body(std::string_view claim_key, std::int64_t revision, const Fence& fence);

// What the answer to claim_body means for a leader that is `fence`.
Claim judge_claim(const TxnResult& answer, std::string_view claim_key, const Fence& fence);
// What the answer to mark_body means for a leader that is `fence`.
MarkResult judge_mark(const TxnResult& answer, std::string_view claim_key, const Fence& fence);

}  // namespace katabot::coordination
