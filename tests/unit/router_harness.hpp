#pragma once
// A router over a given knowledge base, with a fixed clock and no rate limit, for tests that only
// care about what one message is answered with.
#include <memory>
#include <optional>
#include <string>

#include "bot/router.hpp"
#include "test_support.hpp"

namespace katabot::test {

struct RouterHarness {
  explicit RouterHarness(std::shared_ptr<const KnowledgeBase> knowledge_base) : knowledge(std::move(knowledge_base)) {}

  std::optional<Reply> say(Platform platform, InboundKind kind, std::string text) {
    Inbound inbound;
    inbound.platform = platform;
    inbound.kind = kind;
    inbound.text = std::move(text);
    inbound.user_id = "alice";
    inbound.channel = "#kata-dev";
    return router.route(inbound);
  }
  std::optional<Reply> irc(std::string text) { return say(Platform::irc, InboundKind::channel_line, std::move(text)); }

  std::shared_ptr<const KnowledgeBase> knowledge;
  CommandRegistry registry;
  ManualClock clock{at_utc(2026, 11, 27, 12)};
  Metrics metrics;
  RouterSettings settings = [] {
    RouterSettings unlimited;
    unlimited.user_burst = 1e9;
    return unlimited;
  }();
  Router router{settings, registry, [this] { return knowledge; }, clock, metrics};
};

}  // namespace katabot::test
