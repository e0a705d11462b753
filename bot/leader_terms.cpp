#include "bot/leader_terms.hpp"

#include <boost/asio/this_coro.hpp>
#include <spdlog/spdlog.h>

#include "bot/net/no_throw.hpp"
#include "bot/coordination/broadcast_outbox.hpp"
#include "bot/scheduler/reminder_scheduler.hpp"

namespace katabot {

namespace asio = boost::asio;
using coordination::LossReason;

LeaderWork::LeaderWork() = default;
LeaderWork::LeaderWork(LeaderWork&&) noexcept = default;
LeaderWork& LeaderWork::operator=(LeaderWork&&) noexcept = default;
LeaderWork::~LeaderWork() = default;

struct LeaderTerms::Term {
  Term(asio::any_io_executor executor, std::int64_t epoch, LeaderWork work)
      : epoch(epoch), work(std::move(work)), tasks(std::move(executor)) {}

  const std::int64_t epoch;
  LeaderWork work;
  TaskGroup tasks;
  std::optional<LossReason> closing;  // why, once leadership is lost
};

LeaderTerms::LeaderTerms(asio::any_io_executor executor, BuildWork build)
    : executor_(executor), build_(std::move(build)), wake_(executor, std::chrono::steady_clock::time_point::max()) {}

LeaderTerms::~LeaderTerms() = default;

void LeaderTerms::became_leader(std::int64_t epoch) {
  // A term of another epoch still open missed its loss: it is deposed all the same.
  if (term_ && term_->epoch != epoch) end_term(LossReason::deposed);
  wanted_epoch_ = epoch;
  wake_.cancel();
}

void LeaderTerms::leadership_lost(std::int64_t epoch, LossReason reason) {
  if (wanted_epoch_ == epoch) wanted_epoch_.reset();
  if (term_ && term_->epoch == epoch) end_term(reason);
  wake_.cancel();
}

void LeaderTerms::end_term(LossReason reason) {
  if (reason == LossReason::shutdown) {
    if (!term_->closing) term_->closing = reason;
    return;
  }
  // Also during a graceful close: what it still lets finish (a broadcast, a QUIT) may no longer
  // speak. Not left to the run loop: nothing of a lost term may run one more step.
  term_->closing = reason;
  term_->tasks.cancel();
}

void LeaderTerms::stop() {
  stopped_ = true;
  wake_.cancel();
}

LeaderWork* LeaderTerms::current() { return term_ && !term_->closing ? &term_->work : nullptr; }
const LeaderWork* LeaderTerms::current() const { return term_ && !term_->closing ? &term_->work : nullptr; }

asio::awaitable<void> LeaderTerms::run() {
  // Cancelled by its owner, this still closes the open term before returning (see close()).
  co_await asio::this_coro::throw_if_cancelled(false);
  for (;;) {
    if (term_ && (term_->closing || stopped_ || wanted_epoch_ != term_->epoch)) {
      co_await close();
      continue;
    }
    if (stopped_) co_return;
    if (!term_ && wanted_epoch_) {
      open(*wanted_epoch_);
      continue;
    }
    wake_.expires_at(std::chrono::steady_clock::time_point::max());
    co_await wake_.async_wait(no_throw);
    const auto own = co_await asio::this_coro::cancellation_state;
    if (own.cancelled() != asio::cancellation_type::none) stopped_ = true;
  }
}

void LeaderTerms::open(std::int64_t epoch) {
  term_ = std::make_unique<Term>(executor_, epoch, build_(epoch));
  spdlog::info("leader term {} opened: {} adapter(s){}", epoch, term_->work.adapters.size(),
               term_->work.scheduler ? " and the reminders" : "");
  for (auto& adapter : term_->work.adapters) term_->tasks.spawn(adapter->run(), std::string(adapter->name()));
  if (term_->work.scheduler) term_->tasks.spawn(term_->work.scheduler->run(), "reminders");
  if (term_->work.outbox) term_->tasks.spawn(term_->work.outbox->run(), "broadcast outbox");
}

asio::awaitable<void> LeaderTerms::close() {
  auto& term = *term_;
  // Stopped without a loss (the app stops before the elector reports): as graceful as a shutdown.
  if (!term.closing) term.closing = LossReason::shutdown;
  // Nothing more is taken from the outbox in any case; a broadcast already taken still posts.
  if (term.work.outbox) term.work.outbox->stop();
  if (*term.closing == LossReason::shutdown && !term.tasks.cancelled()) {
    if (term.work.scheduler) term.work.scheduler->stop();
    for (auto& adapter : term.work.adapters) adapter->stop();
    co_await term.tasks.join(std::chrono::steady_clock::now() + graceful_close);
  }
  term.tasks.cancel();
  // Our own cancellation (the app giving up on its tasks) must not make us destroy objects whose
  // tasks still run: wait for them regardless, they honour the cancellation within milliseconds.
  co_await asio::this_coro::reset_cancellation_state();
  while (!co_await term.tasks.join(std::chrono::steady_clock::now() + graceful_close)) {
    spdlog::error("leader term {}: {} task(s) still running after their cancellation", term.epoch, term.tasks.running());
  }
  spdlog::info("leader term {} closed ({})", term.epoch, coordination::loss_reason_name(*term.closing));
  term_.reset();
}

}  // namespace katabot
