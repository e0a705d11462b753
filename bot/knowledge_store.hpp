#pragma once
// Holds the current knowledge snapshot. A reload builds a new snapshot and swaps it in only when
// it validates; readers keep whichever snapshot they took, so nothing changes under their feet.
#include <filesystem>
#include <memory>

#include "handlers/command_registry.hpp"

namespace katabot {

class KnowledgeStore {
 public:
  KnowledgeStore(std::filesystem::path dir, CommandWords reserved);

  // Loads from disk; on failure keeps the current snapshot and returns the problems.
  Diagnostics reload();
  std::shared_ptr<const KnowledgeBase> snapshot() const { return current_; }

 private:
  std::filesystem::path dir_;
  CommandWords reserved_;
  std::shared_ptr<const KnowledgeBase> current_;
};

// Carries out what a reply asks of the runtime (a reload) and words the outcome into the reply.
// Returns the problems a failed reload found, for the log.
Diagnostics carry_out(Reply& reply, KnowledgeStore& store);

}  // namespace katabot
