#include "bot/coordination/shared_overrides_sync.hpp"

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/prefix_follower.hpp"
#include "bot/coordination/shared_overrides.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// The truth comes this often; the watch brings most changes within milliseconds.
constexpr std::chrono::seconds poll_period{5};

}  // namespace

struct SharedOverridesSync::State {
  State(asio::any_io_executor executor, EtcdClient& client_, SharedOverrides& overrides_, SharedOverridesTiming timing_,
        SharedOverridesEvents events_)
      : client(client_),
        overrides(overrides_),
        timing(timing_),
        events(std::move(events_)),
        follower(executor, client, overrides.prefix(), timing.poll_period),
        write_wake(executor) {}

  EtcdClient& client;
  SharedOverrides& overrides;
  const SharedOverridesTiming timing;
  SharedOverridesEvents events;
  PrefixFollower follower;
  asio::steady_timer write_wake;
  std::vector<std::string> last_problems;

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
  }

  asio::awaitable<void> write() {
    while (!follower.stopped()) {
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
        follower.load_now();  // whether it landed after all, the next load tells
      }
      if (follower.stopped()) break;
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

asio::awaitable<void> SharedOverridesSync::run() {
  const auto state = state_;
  using namespace asio::experimental::awaitable_operators;
  co_await (state->follower.run([state] { return state->load(); },
                                [](const WatchMessage& message) { return !message.events.empty(); }) &&
            state->write());
}

void SharedOverridesSync::stop() {
  state_->follower.stop();
  state_->write_wake.cancel();
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

}  // namespace katabot::coordination
