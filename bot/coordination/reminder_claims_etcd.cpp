#include "bot/coordination/reminder_claims_etcd.hpp"

#include <date/date.h>
#include <spdlog/spdlog.h>

#include "bot/coordination/etcd_client.hpp"

namespace katabot::coordination {

EtcdReminderClaims::EtcdReminderClaims(EtcdClient& client, EtcdClaimsSettings settings, std::int64_t epoch,
                                       const Clock& clock, FencedHandler on_fenced)
    : client_(client),
      settings_(std::move(settings)),
      fence_{settings_.key_prefix + "leader", epoch},
      clock_(clock),
      on_fenced_(std::move(on_fenced)) {}

std::chrono::steady_clock::time_point EtcdReminderClaims::deadline() const {
  return std::chrono::steady_clock::now() + settings_.call_timeout;
}

void EtcdReminderClaims::fenced() {
  if (on_fenced_) on_fenced_(fence_.epoch);
}

boost::asio::awaitable<Claim> EtcdReminderClaims::claim(const ReminderKey& key) {
  const auto claim_key = reminder_claim_key(settings_.key_prefix, key);
  const ClaimRecord record{ClaimRecord::State::claimed, fence_.epoch, settings_.identity,
                           std::chrono::floor<std::chrono::seconds>(clock_.now()), {}};
  const auto answer = co_await client_.txn(claim_body(claim_key, claim_record_json(record), fence_), deadline());
  if (!answer.value) co_return Claim{ClaimResult::unavailable, 0, {}, false, "etcd: " + answer.detail};
  auto claim = judge_claim(*answer.value, claim_key, fence_);
  if (claim.result == ClaimResult::done) settled_.insert(key);
  if (claim.result == ClaimResult::fenced) fenced();
  co_return claim;
}

boost::asio::awaitable<MarkResult> EtcdReminderClaims::mark(const ReminderKey& key, const Claim& claim,
                                                            const LedgerEntry& entry) {
  const auto claim_key = reminder_claim_key(settings_.key_prefix, key);
  const auto state = entry.outcome == ReminderOutcome::sent ? ClaimRecord::State::posted : ClaimRecord::State::skipped;
  const ClaimRecord record{state, fence_.epoch, settings_.identity, entry.recorded_at, entry.reason};
  const auto answer =
      co_await client_.txn(mark_body(claim_key, claim.revision, claim_record_json(record), fence_), deadline());
  if (!answer.value) {
    spdlog::warn("reminder {}: etcd did not take its outcome: {}", describe(key), answer.detail);
    co_return MarkResult::unavailable;
  }
  const auto result = judge_mark(*answer.value, claim_key, fence_);
  if (result == MarkResult::marked || result == MarkResult::superseded) settled_.insert(key);
  if (result == MarkResult::fenced) fenced();
  co_return result;
}

boost::asio::awaitable<void> EtcdReminderClaims::housekeep(std::chrono::sys_seconds keep_since) {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_housekeeping_) co_return;
  next_housekeeping_ = now + settings_.housekeeping_period;
  std::erase_if(settled_, [&](const ReminderKey& key) { return key.occurrence < keep_since; });
  const auto oldest = co_await client_.txn(oldest_claims_body(settings_.key_prefix, settings_.housekeeping_batch), deadline());
  if (!oldest.value) {
    spdlog::warn("reminder claims housekeeping: etcd did not answer ({}); trying again later", oldest.detail);
    co_return;
  }
  std::size_t deleted = 0;
  // Oldest created first: claims are created when their reminder falls due, so old occurrences
  // come first; a claim made late for an old occurrence is still found among them.
  for (const auto& kv : oldest.value->ranged) {
    const auto occurrence = claim_key_occurrence(settings_.key_prefix, kv.key);
    if (!occurrence || *occurrence >= keep_since) continue;  // recent, or not a key this code wrote
    const auto removed = co_await client_.txn(delete_claim_body(kv.key, kv.mod_revision, fence_), deadline());
    if (!removed.value) break;
    if (removed.value->succeeded) ++deleted;
  }
  if (deleted > 0) spdlog::info("reminder claims housekeeping: deleted {} claims of occurrences before {}", deleted,
                                date::format("%F", keep_since));
}

}  // namespace katabot::coordination
