#pragma once
// Holds the current knowledge snapshot. A reload builds a new snapshot and swaps it in only when
// it validates; readers keep whichever snapshot they took, so nothing changes under their feet.
// The published meetings carry the admins' skips and moves (an OverrideStore: state_dir's
// OverrideLog, or etcd's shared overrides with several replicas), so every reader of the schedule
// (handlers, reminders, --schedule, the feed) follows them.
#include <filesystem>
#include <memory>
#include <optional>

#include "bot/scheduler/override_log.hpp"
#include "handlers/command_registry.hpp"

namespace katabot {

class KnowledgeStore {
 public:
  // Without a state_dir there are no overrides (benchmarks, tests of the knowledge alone).
  KnowledgeStore(std::filesystem::path dir, CommandWords reserved,
                 std::optional<std::filesystem::path> state_dir = std::nullopt);

  // Takes the overrides from `store` instead of state_dir's file (replicas share them in etcd).
  void use_overrides(std::unique_ptr<OverrideStore> store);
  // The override store changed by itself (another replica's change arrived): publish again.
  void overrides_changed() { publish(); }

  // Loads from disk; on failure keeps the current snapshot and returns the problems.
  Diagnostics reload();
  std::shared_ptr<const KnowledgeBase> snapshot() const { return current_; }

  // Records an admin's change and publishes a snapshot that follows it; the outcome says when it
  // was refused or is not durable.
  SaveOutcome change_schedule(const ScheduleChange& change);
  // Forgets the overrides dated before yesterday (a day of slack covers every time zone's "today").
  void prune_past_overrides(std::chrono::sys_seconds now);

 private:
  void publish();

  std::filesystem::path dir_;
  CommandWords reserved_;
  std::unique_ptr<OverrideStore> overrides_;
  std::shared_ptr<const KnowledgeBase> loaded_;   // as the files say
  std::shared_ptr<const KnowledgeBase> current_;  // with the overrides applied
};

// Carries out what a reply asks of the runtime (a reload, a schedule change) and words the outcome
// into the reply. Returns the problems a failed reload found, for the log.
Diagnostics carry_out(Reply& reply, KnowledgeStore& store);

}  // namespace katabot
