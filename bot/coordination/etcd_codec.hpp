#pragma once
// etcd v3's JSON gateway (3.4, shared/design/ha.md §1) without sockets: request bodies to POST and
// the answers read back. Keys and values are base64 on the wire; int64 fields travel as strings
// (lease IDs exceed 2^53, so never through double); proto3 leaves zero values out, so a missing
// field reads as 0, false or empty. Answers larger than max_answer_bytes are refused unread.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>
#include <utility>

namespace katabot::coordination {

constexpr std::size_t max_answer_bytes = 1024 * 1024;

struct KeyValue {
  std::string key;
  std::string value;
  std::int64_t create_revision = 0;
  std::int64_t mod_revision = 0;
  std::int64_t version = 0;
  std::int64_t lease = 0;
};

struct LeaseGrant {
  std::int64_t id = 0;
  std::int64_t ttl_seconds = 0;  // the server may raise a TTL below its minimum
};

struct KeepAlive {
  std::int64_t id = 0;
  std::int64_t ttl_seconds = 0;  // 0: the lease is gone (etcd still answers 200, without TTL)
};

struct TxnResult {
  bool succeeded = false;
  std::int64_t revision = 0;     // the store's revision after the txn (the new key's create revision on success)
  std::vector<KeyValue> ranged;  // what the failure branch's range found
};

struct RangeResult {
  std::int64_t revision = 0;
  std::vector<KeyValue> kvs;
  bool more = false;  // a limit left keys out
};

struct WatchEvent {
  bool deleted = false;  // a PUT carries no type at all
  KeyValue kv;
};

struct WatchMessage {
  bool created = false;
  bool canceled = false;
  std::int64_t compact_revision = 0;  // set when canceled because the start revision was compacted
  std::int64_t revision = 0;
  std::vector<WatchEvent> events;
};

// The error body etcd sends with a non-2xx status: {"error","message","code"}.
struct GatewayError {
  int code = 0;  // gRPC code: 5 not found (a dead lease), 3 invalid argument, 2 unknown
  std::string message;
};

template <class T>
struct Decoded {
  std::optional<T> value;
  std::string error;  // why value is empty
};

// ---- request bodies (JSON text) ----
std::string lease_grant_body(std::int64_t ttl_seconds);
std::string lease_id_body(std::int64_t lease_id);  // keepalive, revoke
std::string authenticate_body(std::string_view user, std::string_view password);
// `key` as of `revision` (0: the latest).
std::string range_body(std::string_view key, std::int64_t revision = 0);
std::string delete_body(std::string_view key);
// One page of the keys that start with `prefix`, in key order: read page after page at the first
// page's revision, a range answer stays far below max_answer_bytes, and the keys alone can be
// listed when one value is too large.
struct RangePage {
  std::string from;  // the first key of the page; empty: the prefix itself
  std::int64_t limit = 0;
  std::int64_t revision = 0;  // 0: the latest
  bool keys_only = false;
};
std::string prefix_page_body(std::string_view prefix, const RangePage& page);
// The end of the key range of `prefix`: its last byte raised by one (etcd's range_end).
std::string prefix_range_end(std::string_view prefix);
// An unconditional put, without a lease.
std::string put_body(std::string_view key, std::string_view value);
// Puts `value` on `key` bound to `lease` only if the key does not exist; otherwise ranges it, so
// the loser learns who holds it.
std::string create_if_absent_body(std::string_view key, std::string_view value, std::int64_t lease);
// The same, also requiring that `fence_key` still has create_revision `epoch`: a write only the
// current leader can make (the reminder claim of ha.md §1.2).
std::string fenced_create_body(std::string_view key, std::string_view value, std::string_view fence_key,
                               std::int64_t epoch);
// Puts every (key, value) only if none of the keys exists; otherwise ranges `report_key`, so the
// caller learns whether that one was the key already there (a one-time copy that another replica made).
std::string create_all_if_absent_body(const std::vector<std::pair<std::string, std::string>>& puts,
                                      std::string_view report_key);
std::string watch_body(std::string_view key, std::int64_t start_revision);
std::string prefix_watch_body(std::string_view prefix);

// ---- answers ----
Decoded<LeaseGrant> decode_lease_grant(std::string_view body);
// One line of the keepalive stream: {"result":{...}}.
Decoded<KeepAlive> decode_keepalive(std::string_view line);
Decoded<TxnResult> decode_txn(std::string_view body);
Decoded<RangeResult> decode_range(std::string_view body);
// The store's revision after a put or a delete (its header).
Decoded<std::int64_t> decode_write_revision(std::string_view body);
Decoded<std::string> decode_token(std::string_view body);
// One line of the watch stream: {"result":{...}}.
Decoded<WatchMessage> decode_watch(std::string_view line);
// The error body of a non-2xx answer; nullopt when it is not one (421 sends plain text).
std::optional<GatewayError> decode_gateway_error(std::string_view body);

}  // namespace katabot::coordination
