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

// Where `platform`'s reminders go when a meeting names no channels: slack.reminder_channels,
// irc.reminder_channels; none for a platform without such a setting.
const std::vector<std::string>& reminder_channels_for(Platform platform, const Config& config);

}  // namespace katabot
