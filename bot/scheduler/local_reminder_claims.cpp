#include "bot/scheduler/local_reminder_claims.hpp"

namespace katabot {
namespace {

constexpr std::size_t compact_after_appends = 1000;

}  // namespace

LocalReminderClaims::LocalReminderClaims(std::filesystem::path state_dir) : ledger_(std::move(state_dir)) {}

boost::asio::awaitable<Claim> LocalReminderClaims::claim(const ReminderKey& key) {
  Claim claim;
  claim.result = ledger_.contains(key) ? ClaimResult::done : ClaimResult::won;
  claim.verify_first = true;
  co_return claim;
}

boost::asio::awaitable<MarkResult> LocalReminderClaims::mark(const ReminderKey& key, const Claim&, const LedgerEntry& entry) {
  // The entry is remembered even when the disk write fails (the ledger logs that), so this process
  // does not repeat the post either way.
  ledger_.record(key, entry);
  co_return MarkResult::marked;
}

boost::asio::awaitable<void> LocalReminderClaims::housekeep(std::chrono::sys_seconds keep_since) {
  if (!compacted_once_ || ledger_.appended_since_compaction() >= compact_after_appends) {
    ledger_.compact(keep_since);
    compacted_once_ = true;
  }
  co_return;
}

}  // namespace katabot
