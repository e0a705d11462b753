#pragma once
// Where the admins' skips and moves live. With one replica, its own file (OverrideLog); with
// several, etcd, shared by all of them (coordination/shared_overrides), so that a skip made on a
// follower reaches the leader's reminders and every replica answers alike. KnowledgeStore applies
// overrides() to every snapshot it publishes.
#include <string>
#include <vector>

#include "handlers/reply.hpp"
#include "knowledge/occurrence_override.hpp"

namespace katabot {

// What became of an admin's change, for the reply.
struct SaveOutcome {
  bool in_force = true;  // false: refused, nothing changed
  std::string problem;   // for the admin: why it is not (or not durably) saved; empty when it is
};

class OverrideStore {
 public:
  virtual ~OverrideStore() = default;
  // Every override in force, ordered by meeting and date.
  virtual std::vector<OccurrenceOverride> overrides() const = 0;
  virtual SaveOutcome record(const ScheduleChange& change) = 0;
  // Forgets the overrides dated before `keep_from`: past calls need none.
  virtual void prune(date::year_month_day keep_from) = 0;
};

}  // namespace katabot
