// Any line, on every platform and kind, through the router over the project's knowledge base and
// then the renderers: never a crash, always bounded time (libFuzzer's -timeout catches a slow line).
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include "bot/render.hpp"
#include "project_router.hpp"

using namespace katabot;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  Inbound inbound;
  inbound.platform = input.PickValueInArray({Platform::slack, Platform::irc, Platform::console});
  inbound.kind = static_cast<InboundKind>(input.ConsumeIntegralInRange<int>(0, 3));
  inbound.channel = "#kata-dev";
  inbound.user_id = "alice";
  inbound.user_timezone = input.ConsumeRandomLengthString(40);
  inbound.text = input.ConsumeRandomLengthString(16384);
  if (const auto reply = fuzz::route_past_cooldowns(inbound)) {
    (void)render_irc_lines(*reply);
    (void)render_slack_message(*reply);
    (void)render_slack_mrkdwn(*reply);
  }
  return 0;
}
