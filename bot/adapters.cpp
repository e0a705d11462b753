#include "bot/adapters.hpp"

#include "bot/coordination/event_claims_etcd.hpp"
#include "bot/irc/irc_adapter.hpp"
#include "bot/slack/slack_adapter.hpp"

namespace katabot {

std::vector<std::unique_ptr<ChatAdapter>> make_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                        const InboundHandler& handler,
                                                        const std::function<bool(const Inbound&)>& needs_account,
                                                        Metrics& metrics, const Clock& clock,
                                                        coordination::EtcdClient* etcd) {
  std::vector<std::unique_ptr<ChatAdapter>> adapters;
  if (config.slack.enabled) {
    auto event_claims = etcd ? std::make_shared<coordination::EtcdEventClaims>(*etcd, config.coordination) : nullptr;
    adapters.push_back(
        std::make_unique<SlackAdapter>(executor, config.slack, handler, metrics, clock, SlackTimings{}, event_claims));
  }
  if (config.irc.enabled) {
    adapters.push_back(std::make_unique<IrcAdapter>(executor, config.irc, config.bot.name, handler, metrics,
                                                   IrcTuning{}, needs_account));
  }
  return adapters;
}

}  // namespace katabot
