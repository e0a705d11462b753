#include "bot/inbound.hpp"

namespace katabot {

std::string_view platform_name(Platform platform) {
  switch (platform) {
    case Platform::slack: return "slack";
    case Platform::irc: return "irc";
    case Platform::console: return "console";
  }
  return "console";
}

}  // namespace katabot
