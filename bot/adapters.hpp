#pragma once
// Builds the chat adapters the configuration enables.
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
std::vector<std::unique_ptr<ChatAdapter>> make_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                        const InboundHandler& handler,
                                                        const std::function<bool(const Inbound&)>& needs_account,
                                                        Metrics& metrics, const Clock& clock,
                                                        coordination::EtcdClient* etcd = nullptr);


}  // namespace katabot
