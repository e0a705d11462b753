#pragma once
// What this process knows about its reminder claims that the claims store does not: kept by the
// app across leader terms. A store call fails exactly when etcd is in trouble, which is when terms
// end, and a claim left unmarked looks ambiguous to the next term, even on this replica; without
// this, the ambiguous policy would repost what was posted, or skip what was never posted.
#include <cstdint>
#include <map>

#include "bot/scheduler/reminder_claim.hpp"
#include "bot/scheduler/reminder_key.hpp"
#include "bot/scheduler/reminder_ledger.hpp"

namespace katabot {

// Posted (or settled as skipped), the store did not take the mark yet: marked again on later
// passes, never reposted. The next term's first pass records them under its own epoch fence; the
// etcd mark compares the claim's revision, so a claim another leader changed meanwhile is
// superseded, not overwritten.
struct PendingMark {
  Claim claim;
  LedgerEntry entry;
};
using PendingMarks = std::map<ReminderKey, PendingMark>;

struct ClaimsKnowledge {
  PendingMarks pending_marks;
  // Claims whose claim call got no answer (it may have committed) in the epoch given, and that
  // this process never handed to an adapter since: a later term finding one ambiguous at that very
  // epoch knows it was claimed by this process and not posted, and posts it.
  std::map<ReminderKey, std::int64_t> unanswered_unposted;
};

}  // namespace katabot
