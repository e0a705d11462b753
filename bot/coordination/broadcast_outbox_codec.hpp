#pragma once
// The broadcast outbox in etcd, without sockets: a follower cannot post an admin's announcement or
// a schedule change's echo (only the leader speaks), so it leaves the Broadcast under
// "<key_prefix>broadcasts/" for the leader's term to post. The key names, the record and its bounds.
// Taking an entry is a fenced delete (delete_claim_body of reminder_claims_codec.hpp): only the
// leader of the epoch, and only one of its attempts, gets it.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "handlers/reply.hpp"

namespace katabot::coordination {

// An entry record is at most this long, written or read; a longer value is not ours.
constexpr std::size_t max_outbox_entry_bytes = 8192;
// The leader reads at most this many entries per load; the rest come with the next one.
constexpr std::int64_t max_outbox_entries_per_load = 64;
// An entry older than this is dropped with a log line, not posted late: the admin's moment passed.
constexpr std::chrono::minutes outbox_entry_lifetime{60};

struct OutboxEntry {
  Broadcast broadcast;
  std::string asked_by;  // who typed the command, for the log
  std::string replica;   // which replica wrote it
  std::chrono::sys_seconds created_at{};
};

// "<key_prefix>broadcasts/"
std::string outbox_prefix(std::string_view key_prefix);
// "<key_prefix>broadcasts/<created_at ms>-<replica>-<sequence>": unique per replica, roughly in
// time order; '/' and control bytes of the replica name become '_'.
std::string outbox_entry_key(std::string_view key_prefix, std::chrono::system_clock::time_point created_at,
                             std::string_view replica, std::uint64_t sequence);

// nullopt when the record would exceed max_outbox_entry_bytes (an absurdly long note).
std::optional<std::string> outbox_entry_json(const OutboxEntry& entry);
std::optional<OutboxEntry> parse_outbox_entry(std::string_view value);

// Whether an entry is too old to post at `now`, or dated further ahead than any clock skew explains.
bool outbox_entry_stale(const OutboxEntry& entry, std::chrono::sys_seconds now);

}  // namespace katabot::coordination
