#include "bot/coordination/shared_overrides_sync.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/shared_overrides.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// The truth comes this often; the watch brings most changes within milliseconds.
constexpr std::chrono::seconds poll_period{5};
// A watch with no message for this long is reopened: a quiet prefix and a dead connection look alike.
constexpr std::chrono::seconds watch_idle{60};
constexpr std::chrono::seconds watch_backoff_cap{30};
// Until the overrides are known a failed load is retried at least this often: the leader's
// reminders wait for it (the election itself retries every retry_period, 1 s by default).
constexpr std::chrono::seconds first_load_retry_cap{1};

}  // namespace

struct SharedOverridesSync::State {
  State(asio::any_io_executor executor, EtcdClient& client_, SharedOverrides& overrides_, SharedOverridesTiming timing_,
        SharedOverridesEvents events_)
      : client(client_),
        overrides(overrides_),
        timing(timing_),
        events(std::move(events_)),
        watch_backoff(timing.poll_period / 10, watch_backoff_cap),
        poll_wake(executor),
        write_wake(executor),
        watch_pause(executor) {}

  EtcdClient& client;
  SharedOverrides& overrides;
  const SharedOverridesTiming timing;
  SharedOverridesEvents events;
  Backoff watch_backoff;
  asio::steady_timer poll_wake;
  asio::steady_timer write_wake;
  asio::steady_timer watch_pause;
  std::vector<std::string> last_problems;
  bool stopped = false;

  void changed(bool did) {
    if (did && events.changed) events.changed();
  }

  asio::awaitable<void> load() {
    const auto range =
        co_await client.range_prefix(overrides.prefix(), max_shared_overrides, Clock::now() + timing.request_timeout);
    if (!range.value) {
      if (overrides.answering()) spdlog::warn("shared overrides: etcd did not answer ({}); changes are refused until it does", range.detail);
      overrides.unreachable();
      co_return;
    }
    changed(overrides.loaded(*range.value));
    if (overrides.problems() != last_problems) {
      for (const auto& problem : overrides.problems()) spdlog::warn("shared overrides: {}", problem);
      last_problems = overrides.problems();
    }
    for (const auto& key : overrides.expired_keys()) {
      co_await client.remove(key, Clock::now() + timing.request_timeout);  // any replica may; the next load tells
    }
    if (const auto* planned = overrides.migration()) co_await migrate(*planned);
  }

  asio::awaitable<void> migrate(OverrideMigration migration) {
    const auto result = co_await client.txn(create_all_if_absent_body(migration.puts, migration.marker_key),
                                            Clock::now() + timing.request_timeout);
    if (!result.value) {
      spdlog::warn("shared overrides: etcd did not answer the copy of the local overrides ({}); trying again", result.detail);
      overrides.migration_unanswered();
      co_return;
    }
    changed(overrides.migrated(*result.value));
    if (result.value->succeeded) {
      spdlog::info("shared overrides: copied {} local overrides into etcd (marked by {})", migration.copied.size(),
                   migration.marker_key);
    } else if (overrides.settled()) {
      spdlog::info("shared overrides: the local overrides were copied into etcd before ({}); not copied again",
                   migration.marker_key);
    }
  }

  asio::awaitable<void> poll() {
    // Until etcd's overrides are known (and the local ones copied), a failed load is retried soon.
    Backoff first_load_backoff(timing.poll_period / 50, std::min<std::chrono::milliseconds>(first_load_retry_cap, timing.poll_period));
    while (!stopped) {
      co_await load();
      if (stopped) break;
      poll_wake.expires_after(overrides.settled() ? timing.poll_period : first_load_backoff.next());
      co_await poll_wake.async_wait(no_throw);
    }
  }

  asio::awaitable<void> watch() {
    const auto on_message = [this](const WatchMessage& message) {
      if (message.created) watch_backoff.reset();
      if (!message.events.empty()) poll_wake.cancel();  // load now; the load is what counts
    };
    while (!stopped) {
      const auto opened = Clock::now();
      const auto failure = co_await client.watch_prefix(overrides.prefix(), on_message, watch_idle);
      if (stopped) break;
      if (failure == Failure::none && Clock::now() - opened >= std::chrono::seconds(1)) continue;
      watch_pause.expires_after(watch_backoff.next());
      co_await watch_pause.async_wait(no_throw);
    }
  }

  asio::awaitable<void> write() {
    while (!stopped) {
      while (const auto* next = overrides.next_write()) {
        const auto write = *next;  // the queue may grow while the call runs
        const auto deadline = Clock::now() + timing.request_timeout;
        // Not a ?: of two co_awaits: g++ 12 destroys such a result twice.
        Outcome<std::int64_t> outcome;
        if (write.value.empty()) {
          outcome = co_await client.remove(write.key, deadline);
        } else {
          outcome = co_await client.put(write.key, write.value, deadline);
        }
        if (outcome.value) {
          changed(overrides.confirmed(write.id, *outcome.value));
          continue;
        }
        spdlog::error("shared overrides: etcd did not confirm {} ({}); taken back", write.key, outcome.detail);
        changed(overrides.failed(write.id));
        if (events.save_failed) {
          events.save_failed(write.change, "Could not save the " + describe(write.change) +
                                               ": the coordinator (etcd) did not answer, so it was taken back. Try again.");
        }
        poll_wake.cancel();  // whether it landed after all, the next load tells
      }
      if (stopped) break;
      write_wake.expires_at(Clock::time_point::max());
      co_await write_wake.async_wait(no_throw);
    }
  }
};

SharedOverridesSync::SharedOverridesSync(asio::any_io_executor executor, EtcdClient& client, SharedOverrides& overrides,
                                         SharedOverridesTiming timing, SharedOverridesEvents events)
    : state_(std::make_shared<State>(std::move(executor), client, overrides, timing, std::move(events))) {
  overrides.on_recorded([state = std::weak_ptr<State>(state_)] {
    if (const auto alive = state.lock()) alive->write_wake.cancel();
  });
}

bool SharedOverridesSync::answering() const { return state_->overrides.answering(); }

bool SharedOverridesSync::settled() const { return state_->overrides.settled(); }

asio::awaitable<void> SharedOverridesSync::run() {
  const auto state = state_;
  using namespace asio::experimental::awaitable_operators;
  co_await (state->poll() && state->watch() && state->write());
}

void SharedOverridesSync::stop() {
  state_->stopped = true;
  state_->poll_wake.cancel();
  state_->write_wake.cancel();
  state_->watch_pause.cancel();
  state_->client.cancel_watch(state_->overrides.prefix());
}

std::unique_ptr<SharedOverridesSync> share_overrides(asio::any_io_executor executor, EtcdClient& client,
                                                     KnowledgeStore& store, const CoordinationConfig& config,
                                                     std::chrono::sys_seconds now, SharedOverridesEvents events) {
  auto owned = std::make_unique<SharedOverrides>(config.key_prefix);
  auto& overrides = *owned;
  if (const auto snapshot = store.snapshot()) {
    std::vector<OccurrenceOverride> local;
    for (const auto& meeting : snapshot->meetings()) local.insert(local.end(), meeting.overrides.begin(), meeting.overrides.end());
    overrides.carry_over(std::move(local));
  }
  store.use_overrides(std::move(owned));
  store.prune_past_overrides(now);
  auto changed = [&store, then = std::move(events.changed)] {
    store.overrides_changed();
    if (then) then();
  };
  return std::make_unique<SharedOverridesSync>(std::move(executor), client, overrides,
                                               SharedOverridesTiming{poll_period, config.request_timeout},
                                               SharedOverridesEvents{std::move(changed), std::move(events.save_failed)});
}

std::function<std::shared_ptr<const KnowledgeBase>()> planning_snapshots(const SharedOverridesSync* sync,
                                                                         const KnowledgeStore& store) {
  return [sync, &store]() -> std::shared_ptr<const KnowledgeBase> {
    if (sync && !sync->settled()) return nullptr;
    return store.snapshot();
  };
}

}  // namespace katabot::coordination
