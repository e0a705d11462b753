#include "bot/coordination/broadcast_outbox.hpp"

#include <algorithm>

#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/coordination/broadcast_outbox_codec.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// A watch with no message for this long is reopened: a quiet prefix and a dead connection look alike.
constexpr std::chrono::seconds watch_idle{60};
constexpr std::chrono::seconds watch_backoff_cap{30};

}  // namespace

BroadcastOutboxWriter::BroadcastOutboxWriter(EtcdClient& client, std::string key_prefix, std::string identity,
                                             std::chrono::milliseconds request_timeout)
    : client_(client), key_prefix_(std::move(key_prefix)), identity_(std::move(identity)), request_timeout_(request_timeout) {}

asio::awaitable<std::optional<std::string>> BroadcastOutboxWriter::leave(Broadcast broadcast, std::string asked_by) {
  const auto now = std::chrono::system_clock::now();
  OutboxEntry entry{std::move(broadcast), std::move(asked_by), identity_, std::chrono::floor<std::chrono::seconds>(now)};
  const auto record = outbox_entry_json(entry);
  if (!record) co_return "the announcement is too long to hand to the leader";
  const auto key = outbox_entry_key(key_prefix_, now, identity_, ++sequence_);
  const auto written = co_await client_.put(key, *record, Clock::now() + request_timeout_);
  if (written.value) {
    spdlog::info("broadcast outbox: left {} for meeting {} (asked by {})", key, entry.broadcast.meeting_id, entry.asked_by);
    co_return std::nullopt;
  }
  spdlog::error("broadcast outbox: etcd did not take {} ({})", key, written.detail);
  co_return "the coordinator (etcd) did not answer";
}

struct BroadcastOutboxConsumer::State {
  State(asio::any_io_executor executor, EtcdClient& client_, OutboxConsumerSettings settings_, Now now_, Post post_)
      : client(client_),
        settings(std::move(settings_)),
        prefix(outbox_prefix(settings.key_prefix)),
        now(std::move(now_)),
        post(std::move(post_)),
        watch_backoff(settings.poll_period / 10, watch_backoff_cap),
        poll_wake(executor),
        watch_pause(executor) {}

  EtcdClient& client;
  const OutboxConsumerSettings settings;
  const std::string prefix;
  Now now;
  Post post;
  Backoff watch_backoff;
  asio::steady_timer poll_wake;
  asio::steady_timer watch_pause;
  std::uint64_t posted = 0;
  bool stopped = false;

  // Whether this term took the entry: a fenced delete at the revision we read. A failure means
  // another attempt took it, or this term is deposed: either way it is not ours to post.
  asio::awaitable<bool> take(const KeyValue& kv) {
    const auto answer = co_await client.txn(delete_claim_body(kv.key, kv.mod_revision, settings.fence),
                                            Clock::now() + settings.request_timeout);
    if (!answer.value) {
      spdlog::warn("broadcast outbox: could not take {} ({}); trying again at the next load", kv.key, answer.detail);
      co_return false;
    }
    if (!answer.value->succeeded) spdlog::info("broadcast outbox: {} not taken: already gone, or epoch {} is over", kv.key, settings.fence.epoch);
    co_return answer.value->succeeded;
  }

  asio::awaitable<void> load() {
    const auto range = co_await client.range_prefix(prefix, max_outbox_entries_per_load, Clock::now() + settings.request_timeout);
    if (!range.value) {
      spdlog::warn("broadcast outbox: etcd did not answer ({})", range.detail);
      co_return;
    }
    for (const auto& kv : range.value->kvs) {
      if (stopped) co_return;
      const auto entry = parse_outbox_entry(kv.value);
      if (!entry || outbox_entry_stale(*entry, now())) {
        if (co_await take(kv)) {
          spdlog::warn("broadcast outbox: dropped {} unposted: {}", kv.key,
                       entry ? "older than " + std::to_string(outbox_entry_lifetime.count()) + " minutes" : "not a broadcast record");
        }
        continue;
      }
      if (!co_await take(kv)) continue;
      spdlog::info("broadcast outbox: posting {} for meeting {} (asked by {} on {})", kv.key, entry->broadcast.meeting_id,
                   entry->asked_by, entry->replica);
      ++posted;
      post(entry->broadcast);
    }
    if (range.value->more) poll_wake.cancel();  // the rest at once
  }

  asio::awaitable<void> poll() {
    while (!stopped) {
      co_await load();
      if (stopped) break;
      poll_wake.expires_after(settings.poll_period);
      co_await poll_wake.async_wait(no_throw);
    }
  }

  asio::awaitable<void> watch() {
    const auto on_message = [this](const WatchMessage& message) {
      if (message.created) watch_backoff.reset();
      const auto added = std::ranges::any_of(message.events, [](const WatchEvent& event) { return !event.deleted; });
      if (added) poll_wake.cancel();  // load now; the load is what counts
    };
    while (!stopped) {
      const auto opened = Clock::now();
      const auto failure = co_await client.watch_prefix(prefix, on_message, watch_idle);
      if (stopped) break;
      if (failure == Failure::none && Clock::now() - opened >= std::chrono::seconds(1)) continue;
      watch_pause.expires_after(watch_backoff.next());
      co_await watch_pause.async_wait(no_throw);
    }
  }
};

BroadcastOutboxConsumer::BroadcastOutboxConsumer(asio::any_io_executor executor, EtcdClient& client,
                                                 OutboxConsumerSettings settings, Now now, Post post)
    : state_(std::make_shared<State>(std::move(executor), client, std::move(settings), std::move(now), std::move(post))) {}

asio::awaitable<void> BroadcastOutboxConsumer::run() {
  const auto state = state_;
  using namespace asio::experimental::awaitable_operators;
  co_await (state->poll() && state->watch());
}

void BroadcastOutboxConsumer::stop() {
  state_->stopped = true;
  state_->poll_wake.cancel();
  state_->watch_pause.cancel();
  state_->client.cancel_watch(state_->prefix);
}

std::uint64_t BroadcastOutboxConsumer::posted() const { return state_->posted; }

}  // namespace katabot::coordination
