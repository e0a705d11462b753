#pragma once
// The broadcast outbox's two ends (broadcast_outbox_codec.hpp has the format). Any replica that is
// not leading leaves an admin's Broadcast in etcd; the leader's term takes each entry with a fenced
// delete and only then posts it through its scheduler. Taking before posting makes a crash between
// the two lose that one broadcast (at most once): a duplicate announcement in every channel is the
// worse failure, and the admin still sees the command's reply. The consumer follows the prefix with
// a PrefixFollower (a load at start, every poll period, and at once when a new entry shows in the
// watch). Every etcd call is bounded by the request timeout.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/coordination/reminder_claims_codec.hpp"
#include "handlers/reply.hpp"

namespace katabot::coordination {

class EtcdClient;

class BroadcastOutboxWriter {
 public:
  BroadcastOutboxWriter(EtcdClient& client, std::string key_prefix, std::string identity,
                        std::chrono::milliseconds request_timeout);

  // Leaves `broadcast` for the leader. nullopt when etcd took it, else what went wrong (for the admin).
  boost::asio::awaitable<std::optional<std::string>> leave(Broadcast broadcast, std::string asked_by);

 private:
  EtcdClient& client_;
  const std::string key_prefix_;
  const std::string identity_;
  const std::chrono::milliseconds request_timeout_;
  std::uint64_t sequence_ = 0;
};

struct OutboxConsumerSettings {
  std::string key_prefix;
  Fence fence;  // the term's: leader key and epoch
  std::chrono::milliseconds request_timeout{2000};
  std::chrono::milliseconds poll_period{5000};
};

class BroadcastOutboxConsumer {
 public:
  using Post = std::function<void(const Broadcast&)>;
  using Now = std::function<std::chrono::sys_seconds()>;

  BroadcastOutboxConsumer(boost::asio::any_io_executor executor, EtcdClient& client, OutboxConsumerSettings settings,
                          Now now, Post post);
  BroadcastOutboxConsumer(const BroadcastOutboxConsumer&) = delete;
  BroadcastOutboxConsumer& operator=(const BroadcastOutboxConsumer&) = delete;

  // Loads, watches and posts until stop() or cancellation.
  boost::asio::awaitable<void> run();
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace katabot::coordination
