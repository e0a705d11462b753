#pragma once
// Posts meeting reminders on time through the chat adapters, exactly once per (meeting,
// occurrence, offset, platform, channel): claim, post, mark through a ReminderClaims store (the
// local ledger for one replica, etcd fenced by the leader's epoch for several).
//
// One timer, set to the next due reminder computed afresh from the wall clock and the meetings'
// zones (never "now + period"); each wait is capped at max_sleep so that a suspend or a clock jump
// is noticed within that time. A reminder is marked as sent only when its adapter says the post
// was delivered. One it could not take is retried with backoff (no sooner than the adapter's
// retry_later says), keeping its claim, until the meeting starts; after that it is marked skipped.
// When the store cannot rule out an unrecorded earlier post, and after a failure that may have
// posted, the adapter is asked whether the post is already there (find_posted). A claim left
// unmarked by an earlier leader follows the ambiguous policy. A fenced claim stops the scheduler:
// a deposed leader posts nothing more.
//
// Deliveries and broadcasts are children of the scheduler's task group: run() returns once they
// ended after stop(), and cancelling run() cancels them.
#include <chrono>
#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/adapter.hpp"
#include "bot/backoff.hpp"
#include "bot/metrics.hpp"
#include "bot/scheduler/claims_knowledge.hpp"
#include "bot/scheduler/reminder_claims.hpp"
#include "bot/scheduler/reminder_plan.hpp"
#include "bot/task_group.hpp"
#include "handlers/clock.hpp"
#include "knowledge/knowledge_base.hpp"

namespace katabot {

struct ReminderTarget {
  ChatAdapter* adapter = nullptr;
  std::vector<std::string> default_channels;  // slack.reminder_channels / irc.reminder_channels
};
using ReminderTargets = std::map<Platform, ReminderTarget>;

class ReminderScheduler {
 public:
  using SnapshotSource = std::function<std::shared_ptr<const KnowledgeBase>()>;

  static constexpr std::chrono::seconds max_sleep{60};
  // Records of older occurrences are dropped by the claims store's housekeeping.
  static constexpr std::chrono::hours record_retention{24 * 30};

  // `carried`, when given, outlives this scheduler (the app's, across leader terms): what this
  // process knows about its claims is taken from it and left in it. Without, it dies with the scheduler.
  ReminderScheduler(boost::asio::any_io_executor executor, SnapshotSource snapshot, ReminderTargets targets,
                    std::unique_ptr<ReminderClaims> claims, const Clock& clock, Metrics& metrics,
                    LeaderRules rules = {}, ClaimsKnowledge* carried = nullptr);

  // Runs until stop(), then until the posts in flight ended and the outcomes not recorded yet were
  // tried once more. Cancelling it cancels them.
  boost::asio::awaitable<void> run();
  // Recompute now: after a knowledge reload, or when the clock was changed.
  void reschedule();
  // Idempotent.
  void stop();
  // Posts a Broadcast (a schedule change's echo, an announcement) once to each of the meeting's
  // reminder channels now. It is not a scheduled reminder: the claims stay as they are, so the
  // reminders of the same occurrence still go out once each.
  void broadcast(const Broadcast& broadcast);
  // "Next reminders:" and one line per coming reminder with its channels, for `status`.
  std::string describe_upcoming(std::size_t count) const;

  const ReminderClaims& claims() const { return *claims_; }

 private:
  // A target that refused a post is asked again soon (it may be finishing a reconnect), then less often.
  struct Retry {
    Backoff backoff{std::chrono::milliseconds{500}, std::chrono::seconds{10}};
    Clock::time_point at;
    bool may_have_posted = false;  // the last attempt failed ambiguously: look before posting again
    bool post_attempted = false;   // a target refused it (not just the claims store)
    std::optional<Claim> claim;    // held across attempts: a retry does not claim again
  };
  // Starts, retries or skips one due reminder; lowers `wake_at` to its retry time if it waits.
  void handle(const PlannedReminder& reminder, std::chrono::sys_seconds now, std::optional<Clock::time_point>& wake_at);
  boost::asio::awaitable<void> deliver(ReminderKey key, Reply reply, ChatAdapter* adapter, Clock::time_point due);
  // Records a reminder that will not be posted (the meeting started, an admin skipped it, too late).
  boost::asio::awaitable<void> settle_skipped(ReminderKey key, std::string reason, std::string detail);
  // The held claim of a retry, or a new one; counted, and acted on when it is not won or ambiguous.
  boost::asio::awaitable<std::optional<Claim>> take_claim(const ReminderKey& key);
  boost::asio::awaitable<void> mark(const ReminderKey& key, const Claim& claim, LedgerEntry entry);
  boost::asio::awaitable<void> retry_pending_marks();
  AmbiguousAction ambiguous_action(Platform platform) const;
  void stop_fenced(const ReminderKey& key, const std::string& detail);
  void record_sent(const ReminderKey& key, std::string_view how);
  void schedule_retry(const ReminderKey& key, const PostOutcome& outcome, const Claim& claim);
  void hold(const ReminderKey& key, std::optional<Claim> claim, std::string_view why);
  boost::asio::awaitable<void> post_broadcast(std::string meeting_id, std::string channel, Reply reply, ChatAdapter* adapter);
  std::chrono::sys_seconds now_seconds() const;

  boost::asio::any_io_executor executor_;
  SnapshotSource snapshot_;
  ReminderTargets targets_;
  DefaultChannels defaults_;
  const Clock& clock_;
  Metrics& metrics_;
  std::unique_ptr<ReminderClaims> claims_;
  LeaderRules rules_;
  boost::asio::steady_timer wake_;
  TaskGroup tasks_;  // deliveries and broadcasts
  std::set<ReminderKey> in_flight_;
  std::map<ReminderKey, Retry> retries_;
  ClaimsKnowledge own_knowledge_;
  ClaimsKnowledge& knowledge_;  // own_knowledge_ or the carried one
  PendingMarks& pending_marks_;  // knowledge_'s
  bool stopping_ = false;
};

}  // namespace katabot
