// Any line, on every platform and kind, through the router over the project's knowledge base and
// then the renderers: never a crash, always bounded time (libFuzzer's -timeout catches a slow line).
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include "bot/render.hpp"
#include "bot/router.hpp"
#include "fuzz_require.hpp"

using namespace katabot;

namespace {

std::shared_ptr<const KnowledgeBase> project_knowledge() {
  static const auto knowledge = [] {
    Diagnostics diagnostics;
    auto loaded = KnowledgeBase::load(std::filesystem::path(KATABOT_SOURCE_DIR) / "knowledge",
                                      CommandRegistry().reserved_words(), diagnostics);
    FUZZ_REQUIRE(loaded);
    return loaded;
  }();
  return knowledge;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const CommandRegistry registry;
  static ManualClock clock{std::chrono::sys_days{std::chrono::year{2026} / 11 / 27} + std::chrono::hours(12)};
  static Metrics metrics;
  static RouterSettings settings = [] {
    RouterSettings unlimited;
    unlimited.user_burst = 1e9;  // every input must reach the handlers
    return unlimited;
  }();
  static Router router{settings, registry, [] { return project_knowledge(); }, clock, metrics};

  FuzzedDataProvider input(data, size);
  Inbound inbound;
  inbound.platform = input.PickValueInArray({Platform::slack, Platform::irc, Platform::console});
  inbound.kind = static_cast<InboundKind>(input.ConsumeIntegralInRange<int>(0, 3));
  inbound.channel = "#kata-dev";
  inbound.user_id = "alice";
  inbound.user_timezone = input.ConsumeRandomLengthString(40);
  inbound.text = input.ConsumeRandomLengthString(16384);
  clock.advance(std::chrono::minutes(11));  // past every cooldown, so keyword answers are reached too
  if (const auto reply = router.route(inbound)) {
    (void)render_irc_lines(*reply);
    (void)render_slack_message(*reply);
    (void)render_slack_mrkdwn(*reply);
  }
  return 0;
}
