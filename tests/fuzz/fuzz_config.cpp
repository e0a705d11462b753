// katabot.yaml on any bytes, for a running bot and offline: problems with file:line:col, or a
// config; never a crash, never a hang (YAML aliases must not multiply the work).
#include <cstdint>
#include <string>

#include "bot/config.hpp"
#include "loader_properties.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const katabot::Environment environment = [](const std::string& name) -> std::optional<std::string> {
    if (name == "SLACK_APP_TOKEN") return "xapp-1-fuzz";
    if (name == "SLACK_BOT_TOKEN") return "xoxb-fuzz";
    return std::nullopt;
  };
  for (const auto use : {katabot::ConfigUse::running, katabot::ConfigUse::offline}) {
    katabot::Diagnostics diagnostics;
    const auto config = katabot::parse_config(text, "/etc/katabot/katabot.yaml", environment, diagnostics, use);
    katabot::fuzz::check_diagnostics(diagnostics, "/etc/katabot/katabot.yaml");
  }
  return 0;
}
