#pragma once
// The claims of a single replica (coordination backend none): its ledger in state_dir. Every claim
// of a key not in the ledger is won, with verify_first, because the ledger records after the post
// (reminder_ledger.hpp): a crash in between leaves a post the platform may find.
#include <filesystem>

#include "bot/scheduler/reminder_claims.hpp"
#include "bot/scheduler/reminder_ledger.hpp"

namespace katabot {

class LocalReminderClaims final : public ReminderClaims {
 public:
  explicit LocalReminderClaims(std::filesystem::path state_dir);

  bool known_done(const ReminderKey& key) const override { return ledger_.contains(key); }
  boost::asio::awaitable<Claim> claim(const ReminderKey& key) override;
  boost::asio::awaitable<MarkResult> mark(const ReminderKey& key, const Claim& claim, const LedgerEntry& entry) override;
  // Compacts at the first call (the start), then after every compact_after_appends records.
  boost::asio::awaitable<void> housekeep(std::chrono::sys_seconds keep_since) override;

  const ReminderLedger& ledger() const { return ledger_; }

 private:
  ReminderLedger ledger_;
  bool compacted_once_ = false;
};

}  // namespace katabot
