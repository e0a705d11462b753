#pragma once
// Reminders posted (or settled as skipped) whose outcome the claims store did not take yet: marked
// again on later passes, never reposted. The app keeps them across leader terms: a mark fails
// exactly when etcd is in trouble, which is when terms end, and a claim left unmarked looks
// ambiguous to the next term, even on this replica (a repost, or a skip counted wrongly). The next
// term's first pass records them under its own epoch fence; the etcd mark compares the claim's
// revision, so a claim another leader changed meanwhile is superseded, not overwritten.
#include <map>

#include "bot/scheduler/reminder_claim.hpp"
#include "bot/scheduler/reminder_key.hpp"
#include "bot/scheduler/reminder_ledger.hpp"

namespace katabot {

struct PendingMark {
  Claim claim;
  LedgerEntry entry;
};
using PendingMarks = std::map<ReminderKey, PendingMark>;

}  // namespace katabot
