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

namespace katabot {
struct CoordinationConfig;
class KnowledgeBase;
class KnowledgeStore;
}  // namespace katabot

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
  SharedOverridesSync(const SharedOverridesSync&) = delete;
  SharedOverridesSync& operator=(const SharedOverridesSync&) = delete;

  // Polls (the first load at once), watches and writes until stop().
  boost::asio::awaitable<void> run();
  void stop();
  // Whether etcd answered the last call: changes are accepted only then.
  bool answering() const;
  // Whether etcd's overrides were loaded once and this replica's local ones copied (or found
  // copied before). Until then what the replica shows may lack some, so the leader's reminders
  // must not be planned on it (see planning_snapshots).
  bool settled() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

// What the App does with backend etcd: `store` takes its overrides from etcd under the
// coordination key prefix instead of state_dir (past ones pruned as of `now`), publishes a new
// snapshot whenever they change, then calls events.changed (the leader's scheduler reschedules).
// Run the result's run() in the task group and stop() it on shutdown.
std::unique_ptr<SharedOverridesSync> share_overrides(boost::asio::any_io_executor executor, EtcdClient& client,
                                                     KnowledgeStore& store, const CoordinationConfig& config,
                                                     std::chrono::sys_seconds now, SharedOverridesEvents events);

// The knowledge the leader's reminders are planned on: the store's snapshot once `sync` settled,
// nothing before (a skip etcd holds would be missed and its reminder posted); settling fires
// events.changed, and the scheduler then plans. Without `sync`
// (backend none) the overrides are the local file's, known from the start.
std::function<std::shared_ptr<const KnowledgeBase>()> planning_snapshots(const SharedOverridesSync* sync,
                                                                         const KnowledgeStore& store);

}  // namespace katabot::coordination
