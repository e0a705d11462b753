#pragma once
// Claims Slack events in etcd for this replica (event_claims.hpp says why and under which key): a
// txn creates the event's key if absent, bound to the shared dedupe lease, which is granted anew
// every few minutes. Every claim, a grant included, is bounded by coordination.request_timeout;
// when etcd does not answer in time the claim is `unavailable` and the event is answered anyway.
#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "bot/coordination/event_claims.hpp"

namespace katabot {
struct CoordinationConfig;
}

namespace katabot::coordination {

class EtcdClient;

class EtcdEventClaims {
 public:
  // `client` (the elector's) must outlive this object and every claim in flight.
  EtcdEventClaims(EtcdClient& client, const CoordinationConfig& config, DedupeLease lease = DedupeLease());

  boost::asio::awaitable<EventClaim> claim(std::string event_id);

 private:
  EventClaim unavailable(const std::string& detail);

  EtcdClient& client_;
  std::string key_prefix_;
  std::string identity_;
  std::chrono::milliseconds request_timeout_;
  DedupeLease lease_;
  OutageNotice outage_;
};

}  // namespace katabot::coordination
