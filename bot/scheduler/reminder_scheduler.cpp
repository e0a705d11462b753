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

namespace katabot {
namespace {

constexpr std::size_t compact_after_appends = 1000;
// After run() was cancelled, how long its cancelled children get to return.
constexpr auto cancelled_children_grace = std::chrono::milliseconds{100};
// Why a reminder was not posted (the label of katabot_reminders_skipped_total).
constexpr std::string_view target_unavailable_reason = "target_unavailable";
constexpr std::string_view meeting_started_reason = "meeting_started";

std::string_view outcome_label(PostOutcome::Kind kind) {
  return kind == PostOutcome::Kind::retry_later ? "retry_later" : "failed";
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
                                     ReminderTargets targets, std::filesystem::path state_dir, const Clock& clock,
                                     Metrics& metrics)
    : executor_(executor),
      snapshot_(std::move(snapshot)),
      targets_(std::move(targets)),
      clock_(clock),
      metrics_(metrics),
      ledger_(std::move(state_dir)),
      wake_(executor),
      tasks_(executor) {
  for (const auto& [platform, target] : targets_) {
    if (target.adapter != nullptr) defaults_[platform] = target.default_channels;
    // At 0 from the start: an absent series is no zero to Prometheus.
    for (const auto reason : {target_unavailable_reason, meeting_started_reason}) {
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
  ledger_.compact(now_seconds() - ledger_retention);
  while (!stopping_) {
    const auto now = now_seconds();
    std::optional<Clock::time_point> wake_at;
    if (const auto snapshot = snapshot_()) {
      const auto plan = plan_reminders(snapshot->meetings(), defaults_, now,
                                       [this](const ReminderKey& key) { return ledger_.contains(key); });
      wake_at = plan.next_due;
      for (const auto& reminder : plan.due) handle(reminder, now, wake_at);
      // Retries of reminders no longer due (meeting removed by a reload, clock set back) are dropped.
      std::erase_if(retries_, [&plan](const auto& retry) {
        return std::none_of(plan.due.begin(), plan.due.end(), [&](const auto& due) { return due.key == retry.first; });
      });
    }
    if (ledger_.appended_since_compaction() >= compact_after_appends) ledger_.compact(now - ledger_retention);

    auto sleep = std::chrono::duration_cast<std::chrono::steady_clock::duration>(max_sleep);
    if (wake_at) sleep = std::clamp<std::chrono::steady_clock::duration>(*wake_at - clock_.now(), {}, sleep);
    wake_.expires_after(sleep);
    co_await wake_.async_wait(as_tuple(use_awaitable));
    if (is_cancelled(co_await boost::asio::this_coro::cancellation_state)) break;
  }
  // Posts already handed to an adapter finish (and are recorded) before run() returns, unless
  // run() itself is cancelled: then so are they, and what they had not delivered stays unrecorded.
  if (!is_cancelled(co_await boost::asio::this_coro::cancellation_state)) {
    co_await tasks_.join(TaskGroup::Deadline::max());
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
  if (reminder.action == ReminderAction::skip) {
    record_skip(key, std::string(retry != retries_.end() ? target_unavailable_reason : meeting_started_reason), now);
    return;
  }
  if (reminder.action == ReminderAction::cancelled) {
    record_skip(key, "cancelled", now, reminder.cancel_reason);
    return;
  }
  if (retry != retries_.end() && retry->second.at > clock_.now()) {
    wake_at = wake_at ? std::min(*wake_at, retry->second.at) : retry->second.at;
    return;
  }
  const auto target = targets_.find(key.platform);
  if (target == targets_.end() || target->second.adapter == nullptr) return;
  const bool late = reminder.action == ReminderAction::post_late;
  if (late && retry == retries_.end()) {
    spdlog::info("reminder {} is late by {}s", describe(key), (now - reminder.due).count());
  }
  auto reply = reminder_reply(*reminder.meeting, key.occurrence, now, late);
  reply.post_key = post_key(key);
  // Not posted by this process yet (a previous one may have, then died before recording it), or
  // the last attempt may have posted: the platform is asked first.
  const bool look_first = retry == retries_.end() || retry->second.may_have_posted;
  const auto look_since = look_first ? std::optional<Clock::time_point>(reminder.due) : std::nullopt;
  in_flight_.insert(key);
  if (!tasks_.spawn(deliver(key, std::move(reply), target->second.adapter, look_since), "reminder " + describe(key))) {
    in_flight_.erase(key);
  }
}

boost::asio::awaitable<void> ReminderScheduler::deliver(ReminderKey key, Reply reply, ChatAdapter* adapter,
                                                        std::optional<Clock::time_point> look_since) {
  bool already_posted = false;
  if (look_since) {
    try {
      already_posted = co_await adapter->find_posted(key.channel, reply.post_key, *look_since);
    } catch (const std::exception& error) {
      spdlog::warn("reminder {}: could not look whether it is already posted ({}); posting", describe(key), error.what());
    }
  }
  // Not a conditional expression: g++ 12 miscompiles co_await inside one.
  auto outcome = PostOutcome::delivered();
  if (!already_posted) outcome = co_await post_to(*adapter, key.channel, std::move(reply));
  in_flight_.erase(key);
  if (outcome.is_delivered()) {
    record_sent(key, already_posted ? "found already posted" : "posted");
  } else {
    schedule_retry(key, outcome);
  }
  wake_.cancel();
}

void ReminderScheduler::record_sent(const ReminderKey& key, std::string_view how) {
  // The post counts as done only once this record is on disk (see reminder_ledger.hpp).
  ledger_.record(key, {ReminderOutcome::sent, "", now_seconds()});
  retries_.erase(key);
  metrics_.increment("katabot_reminders_sent_total", platform_labels(key.platform));
  spdlog::info("reminder {} {}", describe(key), how);
}

void ReminderScheduler::schedule_retry(const ReminderKey& key, const PostOutcome& outcome) {
  auto& retry = retries_[key];
  const auto delay = std::max<std::chrono::milliseconds>(retry.backoff.next(), outcome.retry_after);
  retry.at = clock_.now() + delay;
  retry.may_have_posted = outcome.kind == PostOutcome::Kind::failed;
  metrics_.increment("katabot_reminder_post_failures_total",
                     platform_labels(key.platform, "outcome", outcome_label(outcome.kind)));
  spdlog::warn("reminder {} not delivered ({}: {}), retrying in {} ms", describe(key), outcome_label(outcome.kind),
               outcome.reason, delay.count());
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

void ReminderScheduler::record_skip(const ReminderKey& key, const std::string& reason, std::chrono::sys_seconds now,
                                    const std::string& detail) {
  // The metric label stays one of a few words; the ledger and the log keep the admin's words too.
  const auto recorded = detail.empty() ? reason : reason + ": " + detail;
  ledger_.record(key, {ReminderOutcome::skipped, recorded, now});
  retries_.erase(key);
  metrics_.increment("katabot_reminders_skipped_total", platform_labels(key.platform, "reason", reason));
  spdlog::warn("reminder {} skipped: {}", describe(key), recorded);
}

}  // namespace katabot
