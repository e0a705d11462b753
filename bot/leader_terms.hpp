#pragma once
// Leader-only work (IRC, the reminder scheduler) runs in one term per leadership epoch
// (ha.md §7 "LeaderScope"): became_leader opens a term with freshly built objects in a task group of
// its own; leadership_lost closes it. Losing the lease (lease_lost, renew_timeout, deposed) cancels
// the term at once, also while it is closing gracefully: a deposed leader must not speak. A
// shutdown stops it gracefully (scheduler stopped, IRC QUIT) and cancels what is left after graceful_close. The objects are destroyed only
// once their tasks ended, and a new term waits for the previous one to be gone.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/adapter.hpp"
#include "bot/coordination/election.hpp"
#include "bot/task_group.hpp"

namespace katabot {

class ReminderScheduler;
namespace coordination {
class BroadcastOutboxConsumer;
}

// What one term runs; the app builds it afresh for each epoch.
struct LeaderWork {
  LeaderWork();
  LeaderWork(LeaderWork&&) noexcept;
  LeaderWork& operator=(LeaderWork&&) noexcept;
  ~LeaderWork();

  std::vector<std::unique_ptr<ChatAdapter>> adapters;  // IRC, when configured
  std::unique_ptr<ReminderScheduler> scheduler;        // may be null (tests)
  // With etcd: posts what followers left in the broadcast outbox, through `scheduler`.
  std::unique_ptr<coordination::BroadcastOutboxConsumer> outbox;
};

class LeaderTerms {
 public:
  using BuildWork = std::function<LeaderWork(std::int64_t epoch)>;

  // Longer than IrcTuning::quit_grace (the QUIT gets its answer), shorter than the app's graceful
  // stop by the time a lease revoke needs (bot/app.cpp).
  static constexpr std::chrono::milliseconds graceful_close{600};

  LeaderTerms(boost::asio::any_io_executor executor, BuildWork build);
  ~LeaderTerms();
  LeaderTerms(const LeaderTerms&) = delete;
  LeaderTerms& operator=(const LeaderTerms&) = delete;

  // The elector's events (coordination::ElectorEvents).
  void became_leader(std::int64_t epoch);
  void leadership_lost(std::int64_t epoch, coordination::LossReason reason);

  // Opens and closes terms as the events ask, one at a time, until stop(); then closes the open
  // term (gracefully unless its leadership was lost otherwise) and returns.
  boost::asio::awaitable<void> run();
  void stop();

  // The work of the open term; null between terms and from the moment a term starts closing.
  LeaderWork* current();
  const LeaderWork* current() const;

 private:
  struct Term;
  void open(std::int64_t epoch);
  // Marks the open term as closing for `reason`; a loss other than shutdown cancels it now, even
  // when it was already closing for a shutdown.
  void end_term(coordination::LossReason reason);
  boost::asio::awaitable<void> close();

  boost::asio::any_io_executor executor_;
  BuildWork build_;
  boost::asio::steady_timer wake_;
  std::optional<std::int64_t> wanted_epoch_;  // leading now, per the elector
  std::unique_ptr<Term> term_;
  bool stopped_ = false;
};

}  // namespace katabot
