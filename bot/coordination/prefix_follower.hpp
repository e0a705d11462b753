#pragma once
// Follows every key under an etcd prefix: `load` runs at once and then every poll period (the
// truth), and at once whenever the watch on the prefix brings a message `is_hint` accepts (a
// change made on another replica shows in milliseconds). The watch is reopened with backoff when
// it fails, and when it stays silent for a minute (a quiet prefix and a dead connection look
// alike). Shared by the overrides sync and the broadcast outbox.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/coordination/etcd_codec.hpp"

namespace katabot::coordination {

class EtcdClient;

class PrefixFollower {
 public:
  using Load = std::function<boost::asio::awaitable<void>()>;
  using IsHint = std::function<bool(const WatchMessage&)>;
  // How long until the next load; empty: the poll period.
  using NextPoll = std::function<std::chrono::milliseconds()>;

  PrefixFollower(boost::asio::any_io_executor executor, EtcdClient& client, std::string prefix,
                 std::chrono::milliseconds poll_period);
  ~PrefixFollower();
  PrefixFollower(const PrefixFollower&) = delete;
  PrefixFollower& operator=(const PrefixFollower&) = delete;

  // Polls and watches until stop(). The follower must outlive the call.
  boost::asio::awaitable<void> run(Load load, IsHint is_hint, NextPoll next_poll = {});
  // The next load starts now instead of at the end of the poll period.
  void load_now();
  void stop();
  bool stopped() const { return stopped_; }
  const std::string& prefix() const { return prefix_; }

 private:
  struct Timers;
  boost::asio::awaitable<void> poll(Load load, NextPoll next_poll);
  boost::asio::awaitable<void> watch(IsHint is_hint);

  EtcdClient& client_;
  const std::string prefix_;
  const std::chrono::milliseconds poll_period_;
  std::unique_ptr<Timers> timers_;
  bool stopped_ = false;
};

}  // namespace katabot::coordination
