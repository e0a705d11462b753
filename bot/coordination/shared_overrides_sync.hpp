#pragma once
// Keeps a SharedOverrides in step with etcd: loads the prefix at start and then every poll period
// (the truth), opens a watch on it (a hint: any event loads at once, so a change made on another
// replica shows in milliseconds), and writes this replica's changes in order. Every call is
// bounded by the request timeout. `changed` fires whenever what the replica shows changed: the
// App publishes a new knowledge snapshot and the leader's scheduler reschedules.
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/override_store.hpp"

namespace katabot::coordination {

class EtcdClient;
class SharedOverrides;

struct SharedOverridesEvents {
  std::function<void()> changed;
  // A change this replica accepted was not confirmed by etcd and is taken back; `problem` is for the admin.
  std::function<void(const ScheduleChange& change, const std::string& problem)> save_failed;
};

struct SharedOverridesTiming {
  std::chrono::milliseconds poll_period{5000};
  std::chrono::milliseconds request_timeout{2000};
};

class SharedOverridesSync {
 public:
  SharedOverridesSync(boost::asio::any_io_executor executor, EtcdClient& client, SharedOverrides& overrides,
                      SharedOverridesTiming timing, SharedOverridesEvents events);
  ~SharedOverridesSync();
  SharedOverridesSync(const SharedOverridesSync&) = delete;
  SharedOverridesSync& operator=(const SharedOverridesSync&) = delete;

  // One load, now: at start, so the first answers already follow the shared overrides. False when
  // etcd did not answer (the replica then shows none until a poll gets through).
  boost::asio::awaitable<bool> load();
  // Polls, watches and writes until stop().
  boost::asio::awaitable<void> run();
  void stop();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace katabot::coordination
