#pragma once
// Leader election on etcd as a pure state machine (shared/design/ha.md §2 and §7): no sockets, no
// Asio. The driver (Elector) asks next_request(now), performs it against etcd, and reports the
// outcome; tests step it with a fake clock and canned answers.
//
// One lease per replica, kept alive every TTL/3. The leader key is created by a txn that requires
// it to be absent, bound to our lease; its create revision is the epoch (the fencing token). The
// same txn is the followers' poll: when it fails, its range names the holder. A leader verifies the
// key every retry_period and steps down at once when the key or the lease is gone, or when
// keepalives fail until the local deadline (send time of the last good keepalive + TTL) minus the
// safety margin. A lost lease is never reused: a new one is granted.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/coordination/etcd_codec.hpp"

namespace katabot::coordination {

enum class Role { standalone, follower, candidate, leader, stepping_down };
enum class LossReason { lease_lost, renew_timeout, deposed, shutdown };

std::string_view role_name(Role role);
std::string_view loss_reason_name(LossReason reason);

// The one request the machine wants sent next.
enum class Request {
  none,       // nothing now: wait until wake_at() (or a hint)
  grant,      // lease grant with the TTL
  keepalive,  // of lease_id()
  campaign,   // create-if-absent txn on the leader key, value identity, lease lease_id()
  verify,     // range of the leader key (a leader checking it still holds it)
  revoke,     // of revoke_id(): retried while etcd is unreachable, so a dead leader's key does not outlive the outage
};

struct ElectionSettings {
  std::chrono::seconds lease_ttl{10};
  std::chrono::milliseconds retry_period{1000};
  std::chrono::milliseconds safety_margin{1000};
};

// Something the driver must act on: start leader-only work, or cancel it at once.
struct LeadershipChange {
  bool became_leader = false;  // false: leadership lost
  std::int64_t epoch = 0;
  LossReason reason = LossReason::lease_lost;  // when lost
};

class Election {
 public:
  using Clock = std::chrono::steady_clock;
  using time_point = Clock::time_point;

  Election(ElectionSettings settings, std::string identity);

  Request next_request(time_point now);
  // When next_request may have something to do (or a deadline falls due).
  time_point wake_at() const;

  // Outcomes. `sent_at`: when the request went out (the lease deadline counts from it, never from
  // the answer, so a slow answer cannot stretch it).
  void on_granted(const LeaseGrant& grant, time_point sent_at);
  void on_keepalive(const KeepAlive& answer, time_point sent_at, time_point now);
  void on_campaign(const TxnResult& result, time_point now);
  void on_verify(const RangeResult& result, time_point now);
  void on_revoked();
  // etcd said the lease does not exist (404, code 5): whatever we held with it is gone.
  void on_lease_not_found(time_point now);
  // No answer from any endpoint (or one we could not read); try again after `retry_after`.
  void on_failed(Request request, time_point now, std::chrono::milliseconds retry_after);
  // A fenced write (a txn comparing the leader key's create revision with `epoch`) failed only on
  // that compare: someone else leads now. Ignored unless we still lead with that epoch.
  void on_fenced(std::int64_t epoch);
  // A watch saw the leader key deleted: look again now instead of at the next poll.
  void on_leader_key_deleted(time_point now);
  // Shutdown: step down if leading, revoke the lease (so a follower takes over without waiting
  // for the TTL), then ask for nothing more.
  void resign(time_point now);
  // Applies the deadlines; next_request calls it too.
  void tick(time_point now);

  std::vector<LeadershipChange> take_changes();

  Role role() const { return role_; }
  std::int64_t epoch() const { return epoch_; }
  // The identity of the replica holding the leader key, "" when none is known.
  const std::string& holder() const { return holder_; }
  std::int64_t lease_id() const { return lease_id_; }
  std::int64_t revoke_id() const { return revokes_.empty() ? 0 : revokes_.front(); }
  const std::string& identity() const { return identity_; }
  bool finished() const { return resigned_ && revokes_.empty(); }
  // Leader-only effects may start now: leading, and the local lease deadline minus the safety
  // margin not reached.
  bool may_act(time_point now) const;
  // The local lease deadline minus the safety margin; meaningful while leading.
  time_point act_deadline() const { return lease_deadline_ - settings_.safety_margin; }

 private:
  void step_down(LossReason reason);
  void forget_lease(bool revoke);
  bool holds_key(const KeyValue& kv) const;

  ElectionSettings settings_;
  std::string identity_;
  Role role_ = Role::follower;
  bool resigned_ = false;
  bool in_flight_ = false;  // one request at a time
  std::int64_t lease_id_ = 0;
  std::vector<std::int64_t> revokes_;  // leases we gave up, oldest first; a few at most
  time_point next_revoke_{};
  std::chrono::milliseconds lease_ttl_{0};  // as granted
  time_point lease_deadline_{};
  time_point next_grant_{};
  time_point next_keepalive_{};
  time_point next_check_{};  // campaign (not leading) or verify (leading)
  std::int64_t epoch_ = 0;
  std::string holder_;
  std::vector<LeadershipChange> changes_;
};

}  // namespace katabot::coordination
