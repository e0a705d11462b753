#include "bot/scheduler/reminder_scheduler.hpp"

#include <algorithm>
#include <exception>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/scheduler/broadcast.hpp"
#include "bot/scheduler/reminder_text.hpp"
#include "knowledge/meetings.hpp"

namespace katabot {
namespace {

// After run() was cancelled, how long its cancelled children get to return.
constexpr auto cancelled_children_grace = std::chrono::milliseconds{100};
// Why a reminder was not posted (the label of katabot_reminders_skipped_total).
constexpr std::string_view target_unavailable_reason = "target_unavailable";
constexpr std::string_view meeting_started_reason = "meeting_started";
constexpr std::string_view past_catchup_window_reason = "past_catchup_window";
constexpr std::string_view ambiguous_claim_reason = "ambiguous_claim";
// An earlier leader claimed a reminder at claimed_at; its post may carry a slightly earlier time.
constexpr auto ambiguous_lookback = std::chrono::seconds{60};

std::string_view outcome_label(PostOutcome::Kind kind) {
  return kind == PostOutcome::Kind::retry_later ? "retry_later" : "failed";
}

// katabot_reminder_claims_total{result} (at 0 from the start: metric_catalog.cpp): taken = posted,
// skipped or claimed by someone else.
std::string_view claim_label(ClaimResult result) {
  switch (result) {
    case ClaimResult::won: return "won";
    case ClaimResult::done:
    case ClaimResult::ambiguous: return "taken";
    case ClaimResult::fenced: return "fenced";
    case ClaimResult::unavailable: return "error";
  }
  return "error";
}

Labels platform_labels(Platform platform) { return {{"platform", std::string(platform_name(platform))}}; }
Labels platform_labels(Platform platform, std::string key, std::string_view value) {
  return {{"platform", std::string(platform_name(platform))}, {std::move(key), std::string(value)}};
}

// An adapter's post, with an exception (a bug, or the cancellation of a shutdown) as a failure.
boost::asio::awaitable<PostOutcome> post_to(ChatAdapter& adapter, std::string channel, Reply reply) {
  try {
    co_return co_await adapter.post(std::move(channel), std::move(reply));
  } catch (const std::exception& error) {
    co_return PostOutcome::failed(error.what());
  }
}

bool is_cancelled(const boost::asio::cancellation_state& state) {
  return state.cancelled() != boost::asio::cancellation_type::none;
}

}  // namespace

ReminderScheduler::ReminderScheduler(boost::asio::any_io_executor executor, SnapshotSource snapshot,
                                     ReminderTargets targets, std::unique_ptr<ReminderClaims> claims, const Clock& clock,
                                     Metrics& metrics, LeaderRules rules, ClaimsKnowledge* carried)
    : executor_(executor),
      snapshot_(std::move(snapshot)),
      targets_(std::move(targets)),
      clock_(clock),
      metrics_(metrics),
      claims_(std::move(claims)),
      rules_(std::move(rules)),
      wake_(executor),
      tasks_(executor),
      knowledge_(carried != nullptr ? *carried : own_knowledge_),
      pending_marks_(knowledge_.pending_marks) {
  for (const auto& [platform, target] : targets_) {
    if (target.adapter != nullptr) defaults_[platform] = target.default_channels;
    // At 0 from the start: an absent series is no zero to Prometheus.
    for (const auto reason : {target_unavailable_reason, meeting_started_reason, past_catchup_window_reason,
                              ambiguous_claim_reason}) {
      metrics_.increment("katabot_reminders_skipped_total", platform_labels(platform, "reason", reason), 0);
    }
    for (const auto kind : {PostOutcome::Kind::retry_later, PostOutcome::Kind::failed}) {
      metrics_.increment("katabot_reminder_post_failures_total", platform_labels(platform, "outcome", outcome_label(kind)), 0);
    }
  }
}

std::chrono::sys_seconds ReminderScheduler::now_seconds() const {
  return std::chrono::floor<std::chrono::seconds>(clock_.now());
}

void ReminderScheduler::reschedule() { wake_.cancel(); }

void ReminderScheduler::stop() {
  stopping_ = true;
  wake_.cancel();
}

boost::asio::awaitable<void> ReminderScheduler::run() {
  using boost::asio::as_tuple;
  using boost::asio::use_awaitable;
  while (!stopping_) {
    // The store's calls are bounded by its own timeouts; a cancellation of run() ends them.
    try {
      co_await claims_->housekeep(now_seconds() - record_retention);
      co_await retry_pending_marks();
    } catch (const std::exception& error) {
      spdlog::debug("reminder bookkeeping interrupted: {}", error.what());
    }
    if (stopping_ || is_cancelled(co_await boost::asio::this_coro::cancellation_state)) break;
    const auto now = now_seconds();
    std::optional<Clock::time_point> wake_at;
    if (const auto snapshot = snapshot_()) {
      const auto plan = plan_reminders(snapshot->meetings(), defaults_, now, [this](const ReminderKey& key) {
        return claims_->known_done(key) || pending_marks_.contains(key);
      });
      wake_at = plan.next_due;
      for (const auto& reminder : plan.due) handle(reminder, now, wake_at);
      // Retries of reminders no longer due (meeting removed by a reload, clock set back) are dropped.
      std::erase_if(retries_, [&plan](const auto& retry) {
        return std::none_of(plan.due.begin(), plan.due.end(), [&](const auto& due) { return due.key == retry.first; });
      });
    }

    // A delivery started above may already have stopped the scheduler (a fenced claim): its
    // wake_.cancel() found no wait to cancel.
    if (stopping_) break;
    auto sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(max_sleep);
    if (wake_at) sleep = std::clamp<std::chrono::steady_clock::duration>(*wake_at - clock_.now(), {}, sleep);
    wake_.expires_after(sleep);
    co_await wake_.async_wait(as_tuple(use_awaitable));
    if (is_cancelled(co_await boost::asio::this_coro::cancellation_state)) break;
  }
  // Posts already handed to an adapter finish (and are marked) before run() returns, unless
  // run() itself is cancelled: then so are they, and what they had not delivered stays unmarked.
  if (!is_cancelled(co_await boost::asio::this_coro::cancellation_state)) {
    co_await tasks_.join(TaskGroup::Deadline::max());
    // Once more before the term ends: still fenced by this term's epoch, and bounded by the store's
    // call timeout and the term's graceful close, which cancels it.
    try {
      co_await retry_pending_marks();
    } catch (const std::exception& error) {
      spdlog::debug("reminder outcomes not recorded before the stop: {}", error.what());
    }
  }
  tasks_.cancel();
  // A cancelled coroutine's next co_await throws: this one must still wait for its children.
  co_await boost::asio::this_coro::reset_cancellation_state();
  co_await tasks_.join(std::chrono::steady_clock::now() + cancelled_children_grace);
}

void ReminderScheduler::handle(const PlannedReminder& reminder, std::chrono::sys_seconds now,
                               std::optional<Clock::time_point>& wake_at) {
  const auto& key = reminder.key;
  if (in_flight_.contains(key)) return;
  const auto retry = retries_.find(key);
  if (retry != retries_.end() && retry->second.at > clock_.now()) {
    wake_at = wake_at ? std::min(*wake_at, retry->second.at) : retry->second.at;
    return;
  }
  const auto settle = [&](std::string_view reason, std::string detail) {
    in_flight_.insert(key);
    if (!tasks_.spawn(settle_skipped(key, std::string(reason), std::move(detail)), "reminder " + describe(key))) {
      in_flight_.erase(key);
    }
  };
  if (reminder.action == ReminderAction::skip) {
    const bool refused = retry != retries_.end() && retry->second.post_attempted;
    settle(refused ? target_unavailable_reason : meeting_started_reason, {});
    return;
  }
  if (reminder.action == ReminderAction::cancelled) {
    settle("cancelled", reminder.cancel_reason);
    return;
  }
  const auto target = targets_.find(key.platform);
  if (target == targets_.end() || target->second.adapter == nullptr) return;
  const bool late = reminder.action == ReminderAction::post_late;
  const auto late_by = now - reminder.due;
  if (late && retry == retries_.end() && rules_.catchup_window && late_by > *rules_.catchup_window) {
    // It fell due while no replica led (or this one was down) longer ago than the window allows.
    settle(past_catchup_window_reason, "due " + format_duration(late_by) + " ago, the catch-up window is " +
                                           format_duration(*rules_.catchup_window));
    return;
  }
  if (late && retry == retries_.end()) spdlog::info("reminder {} is late by {}s", describe(key), late_by.count());
  auto reply = reminder_reply(*reminder.meeting, key.occurrence, now, late);
  reply.post_key = post_key(key);
  in_flight_.insert(key);
  if (!tasks_.spawn(deliver(key, std::move(reply), target->second.adapter, reminder.due), "reminder " + describe(key))) {
    in_flight_.erase(key);
  }
}

boost::asio::awaitable<std::optional<Claim>> ReminderScheduler::take_claim(const ReminderKey& key) {
  if (const auto retry = retries_.find(key); retry != retries_.end() && retry->second.claim) co_return retry->second.claim;
  auto claim = co_await claims_->claim(key);
  metrics_.increment("katabot_reminder_claims_total", {{"result", std::string(claim_label(claim.result))}});
  switch (claim.result) {
    case ClaimResult::won: co_return claim;
    case ClaimResult::ambiguous:
      if (const auto own = knowledge_.unanswered_unposted.find(key);
          own != knowledge_.unanswered_unposted.end() && claim.claimed_epoch != 0 && own->second == claim.claimed_epoch) {
        spdlog::info("reminder {}: its claim is this process's own from epoch {}, whose answer was lost, and it "
                     "was never posted: posting it", describe(key), claim.claimed_epoch);
        claim.result = ClaimResult::won;
      }
      co_return claim;
    case ClaimResult::done:
      retries_.erase(key);
      spdlog::info("reminder {} already handled{}", describe(key), claim.detail.empty() ? "" : " (" + claim.detail + ")");
      break;
    case ClaimResult::fenced: stop_fenced(key, claim.detail); break;
    case ClaimResult::unavailable:
      // It may have committed: a later term that finds it ambiguous at this epoch knows better.
      if (rules_.epoch != 0) knowledge_.unanswered_unposted.try_emplace(key, rules_.epoch);
      hold(key, std::nullopt, "no claim: " + claim.detail);
      break;
  }
  co_return std::nullopt;
}

AmbiguousAction ReminderScheduler::ambiguous_action(Platform platform) const {
  switch (platform) {
    case Platform::slack: return rules_.ambiguous.slack;
    case Platform::irc: return rules_.ambiguous.irc;
    case Platform::console: break;
  }
  return AmbiguousAction::repost;
}

boost::asio::awaitable<void> ReminderScheduler::deliver(ReminderKey key, Reply reply, ChatAdapter* adapter,
                                                        Clock::time_point due) {
  const auto retry = retries_.find(key);
  const bool held = retry != retries_.end() && retry->second.claim;
  const bool may_have_posted = retry != retries_.end() && retry->second.may_have_posted;
  auto claim = co_await take_claim(key);
  std::optional<Clock::time_point> look_since;
  if (claim && claim->result == ClaimResult::ambiguous) {
    metrics_.increment("katabot_reminder_ambiguous_total", {{"network", std::string(platform_name(key.platform))}});
    const auto action = ambiguous_action(key.platform);
    spdlog::warn("reminder {}: claimed earlier but never marked ({}); {}", describe(key), claim->detail,
                 action == AmbiguousAction::skip     ? "skipping it (ambiguous_policy skip)"
                 : action == AmbiguousAction::verify ? "looking whether it was posted"
                                                     : "posting it again (ambiguous_policy repost)");
    if (action == AmbiguousAction::skip) {
      // Named, not a braced temporary: g++ 12 destroys a temporary argument of a co_await twice.
      LedgerEntry skipped{ReminderOutcome::skipped, std::string(ambiguous_claim_reason), now_seconds()};
      co_await mark(key, *claim, std::move(skipped));
      metrics_.increment("katabot_reminders_skipped_total", platform_labels(key.platform, "reason", ambiguous_claim_reason));
      claim.reset();
    } else {
      if (action == AmbiguousAction::verify) look_since = Clock::time_point(claim->claimed_at - ambiguous_lookback);
      claim->result = ClaimResult::won;  // ours from here on: a retry does not count it again
    }
  } else if (claim && (held ? may_have_posted : claim->verify_first || may_have_posted)) {
    look_since = due;
  }
  if (claim) {
    bool already_posted = false;
    if (look_since) {
      try {
        already_posted = co_await adapter->find_posted(key.channel, reply.post_key, *look_since);
      } catch (const std::exception& error) {
        spdlog::warn("reminder {}: could not look whether it is already posted ({}); posting", describe(key), error.what());
      }
    }
    if (!already_posted && !rules_.may_act()) {
      hold(key, claim, "this replica may not act now (not leading, or its lease is about to run out)");
    } else {
      // Not a conditional expression: g++ 12 miscompiles co_await inside one.
      auto outcome = PostOutcome::delivered();
      reply.may_send = rules_.may_act;
      if (!already_posted) {
        knowledge_.unanswered_unposted.erase(key);
        outcome = co_await post_to(*adapter, key.channel, std::move(reply));
      }
      if (outcome.is_delivered()) {
        LedgerEntry sent{ReminderOutcome::sent, "", now_seconds()};
        co_await mark(key, *claim, std::move(sent));
        record_sent(key, already_posted ? "found already posted" : "posted");
      } else {
        schedule_retry(key, outcome, *claim);
      }
    }
  }
  in_flight_.erase(key);
  wake_.cancel();
}

boost::asio::awaitable<void> ReminderScheduler::settle_skipped(ReminderKey key, std::string reason, std::string detail) {
  if (const auto claim = co_await take_claim(key)) {
    // The metric label stays one of a few words; the record and the log keep the details too.
    const auto recorded = detail.empty() ? reason : reason + ": " + detail;
    LedgerEntry skipped{ReminderOutcome::skipped, recorded, now_seconds()};
    co_await mark(key, *claim, std::move(skipped));
    retries_.erase(key);
    metrics_.increment("katabot_reminders_skipped_total", platform_labels(key.platform, "reason", reason));
    spdlog::warn("reminder {} skipped: {}", describe(key), recorded);
  }
  in_flight_.erase(key);
  wake_.cancel();
}

boost::asio::awaitable<void> ReminderScheduler::mark(const ReminderKey& key, const Claim& claim, LedgerEntry entry) {
  const auto result = co_await claims_->mark(key, claim, entry);
  pending_marks_.erase(key);
  switch (result) {
    case MarkResult::marked: break;
    case MarkResult::unavailable:
      spdlog::warn("reminder {}: its outcome is not recorded yet (the store did not answer); trying again", describe(key));
      pending_marks_.insert_or_assign(key, PendingMark{claim, std::move(entry)});
      break;
    case MarkResult::fenced: stop_fenced(key, "while recording its outcome"); break;
    case MarkResult::superseded:
      spdlog::warn("reminder {}: its claim was changed by another writer; its outcome is not recorded", describe(key));
      break;
  }
}

boost::asio::awaitable<void> ReminderScheduler::retry_pending_marks() {
  const auto pending = pending_marks_;
  for (const auto& [key, mark_due] : pending) co_await mark(key, mark_due.claim, mark_due.entry);
}

void ReminderScheduler::stop_fenced(const ReminderKey& key, const std::string& detail) {
  spdlog::error("reminder {}: this replica is no longer the leader ({}); the scheduler stops, posting nothing more",
                describe(key), detail);
  stop();
}

void ReminderScheduler::record_sent(const ReminderKey& key, std::string_view how) {
  retries_.erase(key);
  metrics_.increment("katabot_reminders_sent_total", platform_labels(key.platform));
  spdlog::info("reminder {} {}", describe(key), how);
}

void ReminderScheduler::schedule_retry(const ReminderKey& key, const PostOutcome& outcome, const Claim& claim) {
  auto& retry = retries_[key];
  const auto delay = std::max<std::chrono::milliseconds>(retry.backoff.next(), outcome.retry_after);
  retry.at = clock_.now() + delay;
  retry.may_have_posted = outcome.kind == PostOutcome::Kind::failed;
  retry.post_attempted = true;
  retry.claim = claim;
  metrics_.increment("katabot_reminder_post_failures_total",
                     platform_labels(key.platform, "outcome", outcome_label(outcome.kind)));
  spdlog::warn("reminder {} not delivered ({}: {}), retrying in {} ms", describe(key), outcome_label(outcome.kind),
               outcome.reason, delay.count());
}

void ReminderScheduler::hold(const ReminderKey& key, std::optional<Claim> claim, std::string_view why) {
  auto& retry = retries_[key];
  const auto delay = retry.backoff.next();
  retry.at = clock_.now() + delay;
  if (claim) retry.claim = std::move(claim);
  spdlog::warn("reminder {} waits {} ms: {}", describe(key), delay.count(), why);
}

void ReminderScheduler::broadcast(const Broadcast& broadcast) {
  const auto snapshot = snapshot_();
  const auto reply = snapshot ? broadcast_reply(broadcast, *snapshot, now_seconds()) : std::nullopt;
  if (!reply) {
    spdlog::warn("broadcast for {}: the meeting has no coming occurrence, nothing posted", broadcast.meeting_id);
    return;
  }
  const auto& meeting = *snapshot->find_meeting(broadcast.meeting_id);
  for (const auto& [platform, target] : targets_) {
    if (target.adapter == nullptr) continue;
    for (const auto& channel : reminder_channels(meeting, platform, defaults_)) {
      if (!tasks_.spawn(post_broadcast(meeting.id, channel, *reply, target.adapter), "broadcast for " + meeting.id)) {
        spdlog::warn("broadcast for {}: shutting down, not posted to {} {}", meeting.id, target.adapter->name(), channel);
      }
    }
  }
}

boost::asio::awaitable<void> ReminderScheduler::post_broadcast(std::string meeting_id, std::string channel, Reply reply,
                                                               ChatAdapter* adapter) {
  // Fenced like a reminder: a broadcast is a leader-only post too.
  if (!rules_.may_act()) {
    spdlog::warn("broadcast for {}: not posted to {} {}, this replica may not act now (not leading)", meeting_id,
                 adapter->name(), channel);
    co_return;
  }
  reply.may_send = rules_.may_act;
  const auto outcome = co_await post_to(*adapter, channel, std::move(reply));
  if (outcome.is_delivered()) {
    spdlog::info("broadcast for {} posted to {} {}", meeting_id, adapter->name(), channel);
  } else {
    spdlog::warn("broadcast for {}: {} {} could not take it ({})", meeting_id, adapter->name(), channel, outcome.reason);
  }
}

std::string ReminderScheduler::describe_upcoming(std::size_t count) const {
  const auto snapshot = snapshot_();
  if (!snapshot) return {};
  std::string text = "Next reminders:";
  const auto upcoming = upcoming_reminders(snapshot->meetings(), defaults_, now_seconds(), count);
  if (upcoming.empty()) text += " none";
  for (const auto& reminder : upcoming) {
    text += "\n" + date::format("%F %H:%M UTC", reminder.due) + " " + reminder.meeting->id + " (" +
            format_duration(reminder.occurrence - reminder.due) + " before) to ";
    for (std::size_t i = 0; i < reminder.targets.size(); ++i) text += (i ? ", " : "") + reminder.targets[i];
  }
  return text;
}

}  // namespace katabot
