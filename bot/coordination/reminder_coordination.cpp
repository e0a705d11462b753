#include "bot/coordination/reminder_coordination.hpp"

#include "bot/config.hpp"
#include "bot/coordination/elector.hpp"
#include "bot/coordination/reminder_claims_etcd.hpp"
#include "bot/scheduler/local_reminder_claims.hpp"

namespace katabot::coordination {

ReminderCoordination reminder_coordination(const Config& config, Elector& elector, std::int64_t epoch, const Clock& clock) {
  auto* client = elector.client();
  if (client == nullptr) return {std::make_unique<LocalReminderClaims>(config.bot.state_dir), {}};
  const auto& coordination = config.coordination;
  EtcdClaimsSettings settings;
  settings.key_prefix = coordination.key_prefix;
  settings.identity = coordination.identity;
  settings.call_timeout = coordination.request_timeout;
  auto claims = std::make_unique<EtcdReminderClaims>(*client, std::move(settings), epoch, clock,
                                                     [&elector](std::int64_t fenced) { elector.report_fenced(fenced); });
  return {std::move(claims),
          LeaderRules{[&elector, epoch] { return elector.may_act() && elector.epoch() == epoch; },
                      coordination.catchup_window, coordination.ambiguous_policy, epoch}};
}

}  // namespace katabot::coordination
