#include "bot/coordination/broadcast_outbox.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "bot/coordination/broadcast_outbox_codec.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/prefix_follower.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

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
        now(std::move(now_)),
        post(std::move(post_)),
        follower(std::move(executor), client, outbox_prefix(settings.key_prefix), settings.poll_period) {}

  EtcdClient& client;
  const OutboxConsumerSettings settings;
  Now now;
  Post post;
  PrefixFollower follower;

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
    // A named page, not a temporary in the co_await: g++ 12 destroys such a temporary twice.
    const RangePage page{.limit = max_outbox_entries_per_load};
    const auto range = co_await client.range_page(follower.prefix(), page, Clock::now() + settings.request_timeout);
    if (!range.value) {
      spdlog::warn("broadcast outbox: etcd did not answer ({})", range.detail);
      co_return;
    }
    for (const auto& kv : range.value->kvs) {
      if (follower.stopped()) co_return;
      const auto entry = parse_outbox_entry(kv.value);
      if (!entry || outbox_entry_stale(*entry, now())) {
        if (co_await take(kv)) {
          spdlog::warn("broadcast outbox: dropped {} unposted: {}", kv.key,
                       entry ? "not within " + std::to_string(outbox_entry_lifetime.count()) + " minutes of now" : "not a broadcast record");
        }
        continue;
      }
      if (!co_await take(kv)) continue;
      spdlog::info("broadcast outbox: posting {} for meeting {} (asked by {} on {})", kv.key, entry->broadcast.meeting_id,
                   entry->asked_by, entry->replica);
      post(entry->broadcast);
    }
    if (range.value->more) follower.load_now();  // the rest at once
  }
};

BroadcastOutboxConsumer::BroadcastOutboxConsumer(asio::any_io_executor executor, EtcdClient& client,
                                                 OutboxConsumerSettings settings, Now now, Post post)
    : state_(std::make_shared<State>(std::move(executor), client, std::move(settings), std::move(now), std::move(post))) {}

asio::awaitable<void> BroadcastOutboxConsumer::run() {
  const auto state = state_;
  // Only a new entry is a hint: our own takes (deletes) need no load.
  // Named, not temporaries in the co_await: g++ 12 destroys such temporaries twice (ASan saw the
  // state's count drop one time too many).
  PrefixFollower::Load load = [state] { return state->load(); };
  PrefixFollower::IsHint is_hint = [](const WatchMessage& message) {
    return std::ranges::any_of(message.events, [](const WatchEvent& event) { return !event.deleted; });
  };
  co_await state->follower.run(std::move(load), std::move(is_hint));
}

void BroadcastOutboxConsumer::stop() {
  state_->follower.stop();
}

}  // namespace katabot::coordination
