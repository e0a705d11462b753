#pragma once
// Slack events deduplicated across replicas (shared/design/ha.md §5), without sockets: the etcd key
// an event is claimed under, which shared dedupe lease a claim binds to, and when an etcd outage
// deserves a log line. Slack sends a retry of an event it thinks was not acknowledged in time to
// any open connection, so to another replica too; the first replica to create the event's key
// answers it. Claim keys live on a lease of their own that every replica rotates (never the
// elector's session lease, which dies on a failover while the retries still come).
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace katabot::coordination {

// Slack's event ids are "Ev" and a dozen letters and digits; anything longer or stranger is not
// one and never becomes a key.
constexpr std::size_t max_event_id_bytes = 64;

// Not empty, at most max_event_id_bytes, only ASCII letters, digits, '-' and '_'.
bool is_event_id(std::string_view text);
// `<key_prefix>events/<event_id>`, or nullopt when `event_id` is not one.
std::optional<std::string> event_claim_key(std::string_view key_prefix, std::string_view event_id);

enum class EventClaim {
  claimed,      // ours: answer it
  duplicate,    // another replica (or this one, before a restart) claimed it: drop it
  unavailable,  // etcd gave no answer in time: answer it anyway (fail open, ha.md §7)
};

// Claims bind to the newest of the shared dedupe leases: each lives `ttl`, a new one is granted
// every `rotate_every`, so a claim outlives its event's last retry (Slack's last comes after 5 min)
// by at least ttl − rotate_every, and no claim key outlives ttl.
class DedupeLease {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit DedupeLease(std::chrono::seconds ttl = std::chrono::minutes(15),
                       std::chrono::seconds rotate_every = std::chrono::minutes(5));

  std::chrono::seconds ttl() const { return ttl_; }
  // The lease a claim made at `now` binds to; nullopt: grant a new one first.
  std::optional<std::int64_t> usable(time_point now) const;
  // A grant of `id`, asked for at `asked_at` (its TTL runs from no earlier than that).
  void granted(std::int64_t id, time_point asked_at);
  // etcd says `id` is gone (revoked, or its server lost it): the next claim grants a new one.
  void forget(std::int64_t id);

 private:
  std::chrono::seconds ttl_;
  std::chrono::seconds rotate_every_;
  std::int64_t id_ = 0;
  time_point granted_at_{};
};

// One log line per etcd outage, not one per event: failed() is true for the first failure after
// an answer (or ever), answered() ends the outage.
class OutageNotice {
 public:
  bool failed();
  // True when an outage just ended (worth a line saying so).
  bool answered();

 private:
  bool out_ = false;
};

}  // namespace katabot::coordination
