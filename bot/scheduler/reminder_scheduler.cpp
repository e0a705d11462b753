#include "bot/scheduler/reminder_scheduler.hpp"

#include <algorithm>
#include <exception>
#include <string_view>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/scheduler/broadcast.hpp"
#include "bot/scheduler/reminder_text.hpp"

namespace katabot {
namespace {

constexpr auto drain_timeout = std::chrono::seconds{3};
constexpr std::size_t compact_after_appends = 1000;
// Why a reminder was not posted (the label of katabot_reminders_skipped_total).
constexpr std::string_view kTargetUnavailable = "target_unavailable";
constexpr std::string_view kMeetingStarted = "meeting_started";

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
      wake_(executor) {
  for (const auto& [platform, target] : targets_) {
    if (target.adapter != nullptr) defaults_[platform] = target.default_channels;
    // At 0 from the start: an absent series is no zero to Prometheus.
    for (const auto reason : {kTargetUnavailable, kMeetingStarted}) {
      metrics_.increment("katabot_reminders_skipped_total", {{"platform", platform}, {"reason", std::string(reason)}}, 0);
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
  }
  // Posts already handed to an adapter finish (and are recorded) before the process exits.
  const auto give_up = std::chrono::steady_clock::now() + drain_timeout;
  while (!in_flight_.empty() && std::chrono::steady_clock::now() < give_up) {
    wake_.expires_at(give_up);
    co_await wake_.async_wait(as_tuple(use_awaitable));
  }
}

void ReminderScheduler::handle(const PlannedReminder& reminder, std::chrono::sys_seconds now,
                               std::optional<Clock::time_point>& wake_at) {
  const auto& key = reminder.key;
  if (in_flight_.contains(key)) return;
  const auto retry = retries_.find(key);
  if (reminder.action == ReminderAction::skip) {
    record_skip(key, std::string(retry != retries_.end() ? kTargetUnavailable : kMeetingStarted), now);
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
  in_flight_.insert(key);
  auto reply = reminder_reply(*reminder.meeting, key.occurrence, now, late);
  reply.post_key = post_key(key);
  boost::asio::co_spawn(executor_, deliver(key, std::move(reply), target->second.adapter), boost::asio::detached);
}

boost::asio::awaitable<void> ReminderScheduler::deliver(ReminderKey key, Reply reply, ChatAdapter* adapter) {
  auto outcome = PostOutcome::failed("not attempted");
  try {
    outcome = co_await adapter->post(key.channel, std::move(reply));
  } catch (const std::exception& error) {
    outcome = PostOutcome::failed(error.what());
  }
  in_flight_.erase(key);
  if (outcome.is_delivered()) {
    // The post counts as done only once this record is on disk (see reminder_ledger.hpp).
    ledger_.record(key, {ReminderOutcome::sent, "", now_seconds()});
    retries_.erase(key);
    metrics_.increment("katabot_reminders_sent_total", {{"platform", key.platform}});
    spdlog::info("reminder {} posted", describe(key));
  } else {
    auto& retry = retries_[key];
    const auto delay = retry.backoff.next();
    retry.at = clock_.now() + delay;
    spdlog::warn("reminder {}: {} could not take it ({}), retrying in {} ms", describe(key), key.platform, outcome.reason,
                 delay.count());
  }
  wake_.cancel();
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
      boost::asio::co_spawn(executor_, post_broadcast(meeting.id, channel, *reply, target.adapter), boost::asio::detached);
    }
  }
}

boost::asio::awaitable<void> ReminderScheduler::post_broadcast(std::string meeting_id, std::string channel, Reply reply,
                                                               ChatAdapter* adapter) {
  auto outcome = PostOutcome::failed("not attempted");
  try {
    outcome = co_await adapter->post(channel, std::move(reply));
  } catch (const std::exception& error) {
    outcome = PostOutcome::failed(error.what());
  }
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
  metrics_.increment("katabot_reminders_skipped_total", {{"platform", key.platform}, {"reason", reason}});
  spdlog::warn("reminder {} skipped: {}", describe(key), recorded);
}

}  // namespace katabot
