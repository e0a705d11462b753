#pragma once
// Builds the chat adapters the configuration enables: Slack on every replica (Socket Mode spreads
// the events over every connection), IRC on the leader only (one voice, one nick).
#include <functional>
#include <memory>
#include <vector>

#include <boost/asio/any_io_executor.hpp>

#include "bot/adapter.hpp"
#include "bot/config.hpp"
#include "bot/inbound.hpp"
#include "bot/metrics.hpp"
#include "handlers/clock.hpp"

namespace katabot::coordination {
class EtcdClient;
}

namespace katabot {

// `etcd`: the elector's client when replicas share the work (null with backend none); Slack events
// are then claimed through it so that a retry landing on another replica is answered once.
std::vector<std::unique_ptr<ChatAdapter>> make_replica_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                                const InboundHandler& handler, Metrics& metrics,
                                                                const Clock& clock, coordination::EtcdClient* etcd = nullptr);

// `may_speak` is asked before every message the adapter writes (see IrcAdapter::MaySpeak).
std::vector<std::unique_ptr<ChatAdapter>> make_leader_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                               const InboundHandler& handler,
                                                               const std::function<bool(const Inbound&)>& needs_account,
                                                               Metrics& metrics, std::function<bool()> may_speak);

// The platforms the configuration enables, whichever replica runs them: the metric series and
// readiness of a platform exist even while this replica does not run its adapter.
std::vector<Platform> enabled_platforms(const Config& config);
// Run by the leader only (make_leader_adapters builds it).
bool leader_only(Platform platform);

}  // namespace katabot
