#include "bot/adapters.hpp"

#include "bot/coordination/event_claims_etcd.hpp"
#include "bot/irc/irc_adapter.hpp"
#include "bot/slack/slack_adapter.hpp"

namespace katabot {

std::vector<std::unique_ptr<ChatAdapter>> make_replica_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                                const InboundHandler& handler, Metrics& metrics,
                                                                const Clock& clock, coordination::EtcdClient* etcd) {
  std::vector<std::unique_ptr<ChatAdapter>> adapters;
  if (config.slack.enabled) {
    auto event_claims = etcd ? std::make_shared<coordination::EtcdEventClaims>(*etcd, config.coordination) : nullptr;
    adapters.push_back(
        std::make_unique<SlackAdapter>(executor, config.slack, handler, metrics, clock, SlackTimings{}, event_claims));
  }
  return adapters;
}

std::vector<std::unique_ptr<ChatAdapter>> make_leader_adapters(boost::asio::any_io_executor executor, const Config& config,
                                                               const InboundHandler& handler,
                                                               const std::function<bool(const Inbound&)>& needs_account,
                                                               Metrics& metrics, std::function<bool()> may_speak) {
  std::vector<std::unique_ptr<ChatAdapter>> adapters;
  if (config.irc.enabled) {
    adapters.push_back(std::make_unique<IrcAdapter>(executor, config.irc, config.bot.name, handler, metrics,
                                                   IrcTuning{}, needs_account, std::move(may_speak)));
  }
  return adapters;
}

std::vector<Platform> enabled_platforms(const Config& config) {
  std::vector<Platform> platforms;
  if (config.slack.enabled) platforms.push_back(Platform::slack);
  if (config.irc.enabled) platforms.push_back(Platform::irc);
  return platforms;
}

bool leader_only(Platform platform) { return platform == Platform::irc; }

}  // namespace katabot
