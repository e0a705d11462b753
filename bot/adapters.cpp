#include "bot/adapters.hpp"

#include "bot/irc/irc_adapter.hpp"
#include "bot/slack/slack_adapter.hpp"

namespace katabot {

std::vector<std::unique_ptr<ChatAdapter>> make_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                        const InboundHandler& handler,
                                                        const std::function<bool(const Inbound&)>& needs_account,
                                                        Metrics& metrics, const Clock& clock) {
  std::vector<std::unique_ptr<ChatAdapter>> adapters;
  if (config.slack.enabled) {
    adapters.push_back(std::make_unique<SlackAdapter>(executor, config.slack, handler, metrics, clock));
  }
  if (config.irc.enabled) {
    adapters.push_back(std::make_unique<IrcAdapter>(executor, config.irc, config.bot.name, handler, metrics,
                                                   IrcTuning{}, needs_account));
  }
  return adapters;
}

const std::vector<std::string>& reminder_channels_for(Platform platform, const Config& config) {
  static const std::vector<std::string> none;
  switch (platform) {
    case Platform::slack: return config.slack.reminder_channels;
    case Platform::irc: return config.irc.reminder_channels;
    case Platform::console: return none;
  }
  return none;
}

}  // namespace katabot
