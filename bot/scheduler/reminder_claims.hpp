#pragma once
// Where the scheduler learns whether a reminder is still to be posted, and records what became of
// it: claim → post → mark (shared/design/ha.md §3.3). One replica keeps this in its local ledger
// (local_reminder_claims.hpp); several replicas keep it in etcd, fenced by the leader's epoch
// (coordination/reminder_claims_etcd.hpp), so that a reminder goes out once whoever leads.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>

#include <boost/asio/awaitable.hpp>

#include "bot/scheduler/reminder_claim.hpp"
#include "bot/scheduler/reminder_key.hpp"
#include "bot/scheduler/reminder_ledger.hpp"

namespace katabot {

class ReminderClaims {
 public:
  virtual ~ReminderClaims() = default;

  // Known to be posted or skipped, without asking anyone: what planning leaves out.
  virtual bool known_done(const ReminderKey& key) const = 0;
  virtual boost::asio::awaitable<Claim> claim(const ReminderKey& key) = 0;
  // Records the outcome of a claim that was won (or taken over from an ambiguous one).
  virtual boost::asio::awaitable<MarkResult> mark(const ReminderKey& key, const Claim& claim, const LedgerEntry& entry) = 0;
  // Forgets records of occurrences before `keep_since`; called on every scheduler pass, each store
  // decides how often it actually works and bounds each pass.
  virtual boost::asio::awaitable<void> housekeep(std::chrono::sys_seconds keep_since) = 0;
};

// What changes when this process is one leader among replicas (coordination backend etcd).
struct LeaderRules {
  // Checked right before each post, and handed to the adapter with it (Reply::may_send) to be
  // checked again right before each write: a deposed or paused leader must not post. For etcd it
  // holds only while this replica leads in the epoch the scheduler was built for.
  std::function<bool()> may_act = [] { return true; };
  // Reminders due longer ago than this are skipped instead of posted late (they fell due while
  // nobody led). None: late reminders go out until the meeting starts, as for one replica.
  std::optional<std::chrono::seconds> catchup_window;
  AmbiguousPolicy ambiguous;
  // The leadership epoch the claims are fenced by; 0 for one replica.
  std::int64_t epoch = 0;
};

}  // namespace katabot
