#include "bot/platform.hpp"

namespace katabot {

std::string_view platform_name(Platform platform) {
  switch (platform) {
    case Platform::slack: return "slack";
    case Platform::irc: return "irc";
    case Platform::console: return "console";
  }
  return "console";
}

std::optional<Platform> parse_platform(std::string_view name) {
  for (const auto platform : {Platform::slack, Platform::irc, Platform::console}) {
    if (platform_name(platform) == name) return platform;
  }
  return std::nullopt;
}

}  // namespace katabot
