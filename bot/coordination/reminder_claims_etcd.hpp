#pragma once
// The reminder claims of several replicas, in etcd (shared/design/ha.md §3.3): one store per
// leadership, created with the epoch it won. Claims carry no lease, so they outlive replicas; every
// write is fenced by the epoch, and a fenced answer is reported (report_fenced) so the elector
// steps down at once. The leader deletes claims of occurrences older than the retention, a bounded
// number per hour.
#include <chrono>
#include <cstdint>
#include <functional>
#include <set>
#include <string>

#include "bot/coordination/reminder_claims_codec.hpp"
#include "bot/scheduler/reminder_claims.hpp"
#include "handlers/clock.hpp"

namespace katabot::coordination {

class EtcdClient;

struct EtcdClaimsSettings {
  std::string key_prefix = "/katabot/";
  std::string identity;                             // written into each claim, for operators
  std::chrono::milliseconds call_timeout{2000};     // each etcd call, over all endpoints
  std::size_t housekeeping_batch = 64;              // claims looked at (and at most deleted) per pass
  std::chrono::minutes housekeeping_period{60};
};

class EtcdReminderClaims final : public ReminderClaims {
 public:
  using FencedHandler = std::function<void(std::int64_t epoch)>;

  EtcdReminderClaims(EtcdClient& client, EtcdClaimsSettings settings, std::int64_t epoch, const Clock& clock,
                     FencedHandler on_fenced);

  // Only what this process saw settled: a new leader asks etcd about everything else.
  bool known_done(const ReminderKey& key) const override { return settled_.contains(key); }
  boost::asio::awaitable<Claim> claim(const ReminderKey& key) override;
  boost::asio::awaitable<MarkResult> mark(const ReminderKey& key, const Claim& claim, const LedgerEntry& entry) override;
  boost::asio::awaitable<void> housekeep(std::chrono::sys_seconds keep_since) override;

 private:
  std::chrono::steady_clock::time_point deadline() const;
  void fenced();

  EtcdClient& client_;
  EtcdClaimsSettings settings_;
  Fence fence_;
  const Clock& clock_;
  FencedHandler on_fenced_;
  std::set<ReminderKey> settled_;
  std::chrono::steady_clock::time_point next_housekeeping_{};
};

}  // namespace katabot::coordination
