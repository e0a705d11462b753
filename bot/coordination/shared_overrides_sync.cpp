#include "bot/coordination/shared_overrides_sync.hpp"

#include <set>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/prefix_follower.hpp"
#include "bot/coordination/shared_overrides.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/net/no_throw.hpp"
#include "bot/scheduler/sealed_log.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// The truth comes this often; the watch brings most changes within milliseconds.
constexpr std::chrono::seconds poll_period{5};
// Entries per range page: 50 of the largest valid ones (512 B key, 1 KiB value, base64 on the
// wire) are about 100 KB, far below max_answer_bytes, so only a page holding a value nobody
// should have written is too large.
constexpr std::int64_t page_size = 50;
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
        follower(executor, client, overrides.prefix(), timing.poll_period),
        first_load_backoff(timing.poll_period / 50,
                           std::min<std::chrono::milliseconds>(first_load_retry_cap, timing.poll_period)),
        write_wake(executor) {}

  EtcdClient& client;
  SharedOverrides& overrides;
  const SharedOverridesTiming timing;
  SharedOverridesEvents events;
  PrefixFollower follower;
  // Until etcd's overrides are known (and the local ones copied), a failed load is retried soon.
  Backoff first_load_backoff;
  asio::steady_timer write_wake;
  std::vector<std::string> last_problems;
  std::set<std::string> reported_oversized;  // keys whose value is over max_answer_bytes, warned about once

  void changed(bool did) {
    if (did && events.changed) events.changed();
  }

  Clock::time_point deadline() const { return Clock::now() + timing.request_timeout; }

  // A page too large to read at once: its keys alone, then each value on its own, leaving out
  // (and reporting once) those over the limit. `last_key` is the page's last key, kept or not.
  asio::awaitable<Outcome<RangeResult>> page_without_oversized(RangePage page, std::string& last_key) {
    page.keys_only = true;
    auto keys = co_await client.range_page(overrides.prefix(), page, deadline());
    if (!keys.value) co_return keys;
    RangeResult kept{keys.value->revision, {}, keys.value->more};
    for (const auto& listed : keys.value->kvs) {
      last_key = listed.key;
      auto one = co_await client.range(listed.key, deadline(), kept.revision);
      if (one.failure == Failure::too_large) {
        if (reported_oversized.insert(listed.key).second) {
          spdlog::warn("shared overrides: key '{}': value over {} bytes, left out",
                       encode_log_field(listed.key.substr(0, max_override_key_bytes)), max_answer_bytes);
        }
        continue;
      }
      if (!one.value) co_return one;
      kept.kvs.insert(kept.kvs.end(), one.value->kvs.begin(), one.value->kvs.end());
    }
    co_return Outcome<RangeResult>{std::move(kept)};
  }

  // The whole prefix, page after page at the first page's revision; at most max_shared_overrides
  // keys (left-out ones included, so a flood of them costs no more).
  asio::awaitable<Outcome<RangeResult>> read_prefix() {
    RangeResult all;
    RangePage page{.limit = page_size};
    for (std::int64_t seen = 0;;) {
      std::string last_key;
      auto got = co_await client.range_page(overrides.prefix(), page, deadline());
      if (got.failure == Failure::too_large) {
        got = co_await page_without_oversized(page, last_key);
      } else if (got.value && !got.value->kvs.empty()) {
        last_key = got.value->kvs.back().key;
      }
      if (!got.value) co_return got;
      if (page.revision == 0) page.revision = all.revision = got.value->revision;
      seen += page.limit;
      all.kvs.insert(all.kvs.end(), got.value->kvs.begin(), got.value->kvs.end());
      if (!got.value->more || last_key.empty()) break;
      if (seen >= max_shared_overrides) {
        all.more = true;
        break;
      }
      page.from = last_key + '\0';  // the next key after it
    }
    co_return Outcome<RangeResult>{std::move(all)};
  }

  asio::awaitable<void> load() {
    const auto range = co_await read_prefix();
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

bool SharedOverridesSync::settled() const { return state_->overrides.settled(); }

asio::awaitable<void> SharedOverridesSync::run() {
  const auto state = state_;
  using namespace asio::experimental::awaitable_operators;
  // Named, not temporaries in the co_await: g++ 12 destroys such temporaries twice.
  PrefixFollower::Load load = [state] { return state->load(); };
  PrefixFollower::IsHint is_hint = [](const WatchMessage& message) { return !message.events.empty(); };
  PrefixFollower::NextPoll next_poll = [state] {
    return state->overrides.settled() ? state->timing.poll_period : state->first_load_backoff.next();
  };
  co_await (state->follower.run(std::move(load), std::move(is_hint), std::move(next_poll)) && state->write());
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

std::function<std::shared_ptr<const KnowledgeBase>()> planning_snapshots(const SharedOverridesSync* sync,
                                                                         const KnowledgeStore& store) {
  return [sync, &store]() -> std::shared_ptr<const KnowledgeBase> {
    if (sync && !sync->settled()) return nullptr;
    return store.snapshot();
  };
}

}  // namespace katabot::coordination
