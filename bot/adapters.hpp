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

namespace katabot {

std::vector<std::unique_ptr<ChatAdapter>> make_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                        const InboundHandler& handler,
                                                        const std::function<bool(const Inbound&)>& needs_account,
                                                        Metrics& metrics, const Clock& clock);


}  // namespace katabot
