#pragma once
// The reminder claims store and rules of one leadership, from the configuration: backend none
// keeps the local ledger and the rules of a single process; backend etcd claims in etcd fenced by
// the epoch won, posts only while the elector says it may act in that epoch, catches up within
// coordination.reminders.catchup_window and settles ambiguous claims by its ambiguous_policy.
#include <cstdint>
#include <memory>

#include "bot/scheduler/reminder_claims.hpp"
#include "handlers/clock.hpp"

namespace katabot {
struct Config;
}

namespace katabot::coordination {

class Elector;

struct ReminderCoordination {
  std::unique_ptr<ReminderClaims> claims;
  LeaderRules rules;
};

// `elector` must outlive what is returned (its may_act and report_fenced are called).
ReminderCoordination reminder_coordination(const Config& config, Elector& elector, std::int64_t epoch, const Clock& clock);

}  // namespace katabot::coordination
