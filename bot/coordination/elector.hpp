#pragma once
// Runs the leader election (election.hpp) against etcd: one coroutine owns the lease, the
// keepalives, the campaign and the reconnects (jittered backoff), and reports leadership changes
// through two callbacks. Leader-only work (IRC, the reminder scheduler) starts on became_leader and
// must be cancelled at once on leadership_lost. With backend none the replica is STANDALONE: it
// leads at once with epoch 0 and never loses it.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/coordination/election.hpp"

namespace katabot {
struct CoordinationConfig;
}

namespace katabot::coordination {

struct ElectorEvents {
  std::function<void(std::int64_t epoch)> became_leader;
  std::function<void(std::int64_t epoch, LossReason reason)> leadership_lost;
};

class EtcdClient;

class Elector {
 public:
  Elector(boost::asio::any_io_executor executor, const CoordinationConfig& config, ElectorEvents events);
  ~Elector();
  Elector(const Elector&) = delete;
  Elector& operator=(const Elector&) = delete;

  // Until stop(): then a leader steps down (reason shutdown) and the lease is revoked, so a
  // follower takes over within its retry_period instead of the lease TTL. Returns after that.
  boost::asio::awaitable<void> run();
  void stop();

  Role role() const;
  std::int64_t epoch() const;        // meaningful while leading
  std::string holder() const;        // the leader's identity, "" when none is known
  std::string identity() const;
  // Leader-only effects may start now (leading, and the lease safely ahead); check right before each.
  bool may_act() const;
  // A fenced etcd write of leader work failed on the leader compare for `epoch`: step down now
  // (reason deposed) instead of at the next verify.
  void report_fenced(std::int64_t epoch);
  // The elector's etcd client, for the other users of etcd (reminder claims, event dedupe); null
  // with backend none.
  EtcdClient* client() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace katabot::coordination
