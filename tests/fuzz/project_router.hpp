#pragma once
// The router over the project's knowledge base, for the targets that route attacker text: built once,
// every rate limit lifted so each input reaches the handlers.
#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

#include "bot/router.hpp"
#include "fuzz_require.hpp"

namespace katabot::fuzz {

inline const std::filesystem::path& knowledge_dir() {
  static const auto dir = std::filesystem::path(KATABOT_SOURCE_DIR) / "knowledge";
  return dir;
}

inline std::shared_ptr<const KnowledgeBase> project_knowledge() {
  static const auto knowledge = [] {
    Diagnostics diagnostics;
    auto loaded = KnowledgeBase::load(knowledge_dir(), CommandRegistry().reserved_words(), diagnostics);
    FUZZ_REQUIRE(loaded);
    return loaded;
  }();
  return knowledge;
}

// Routes one inbound, the clock moved past every cooldown first so keyword answers are reached too.
inline std::optional<Reply> route_past_cooldowns(const Inbound& inbound) {
  static const CommandRegistry registry;
  static ManualClock clock{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + std::chrono::hours(12)};
  static Metrics metrics;
  static const RouterSettings settings = [] {
    RouterSettings unlimited;
    unlimited.user_burst = 1e9;
    return unlimited;
  }();
  static Router router{settings, registry, [] { return project_knowledge(); }, clock, metrics};
  clock.advance(std::chrono::minutes(11));
  return router.route(inbound);
}

}  // namespace katabot::fuzz
