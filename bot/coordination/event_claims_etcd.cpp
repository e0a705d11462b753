#include "bot/coordination/event_claims_etcd.hpp"

#include <spdlog/spdlog.h>

#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Steady = std::chrono::steady_clock;

EtcdEventClaims::EtcdEventClaims(EtcdClient& client, const CoordinationConfig& config, DedupeLease lease)
    : client_(client),
      key_prefix_(config.key_prefix),
      identity_(config.identity),
      request_timeout_(config.request_timeout),
      lease_(lease) {}

asio::awaitable<EventClaim> EtcdEventClaims::claim(std::string event_id) {
  const auto key = event_claim_key(key_prefix_, event_id);
  if (!key) co_return EventClaim::unavailable;  // the Slack core never asks for such an id
  const auto deadline = Steady::now() + request_timeout_;
  // A second round only when etcd lost the lease under us (a restored backup, a revoke).
  for (int round = 0; round < 2; ++round) {
    auto lease = lease_.usable(Steady::now());
    if (!lease) {
      const auto asked_at = Steady::now();
      const auto grant = co_await client_.grant(lease_.ttl().count(), deadline);
      if (!grant.value) co_return unavailable("lease grant: " + grant.detail);
      lease_.granted(grant.value->id, asked_at);
      lease = grant.value->id;
    }
    const auto txn = co_await client_.txn(create_if_absent_body(*key, identity_, *lease), deadline);
    if (txn.value) {
      if (outage_.answered()) spdlog::info("slack: etcd answers again; events are deduplicated across replicas");
      co_return txn.value->succeeded ? EventClaim::claimed : EventClaim::duplicate;
    }
    if (txn.failure != Failure::not_found) co_return unavailable(txn.detail);
    lease_.forget(*lease);
  }
  co_return unavailable("the dedupe lease was gone twice");
}

EventClaim EtcdEventClaims::unavailable(const std::string& detail) {
  if (outage_.failed()) {
    spdlog::warn("slack: etcd did not answer an event claim ({}); answering events without the check across "
                 "replicas until it does, so a retried event may be answered twice",
                 detail);
  }
  return EventClaim::unavailable;
}

}  // namespace katabot::coordination
