// The IRC line parser on any bytes: never crashes, and what it accepts survives a round trip through
// serialize() (the bot relays and logs parsed messages, so a lossy parse would be a silent bug).
#include <cstdint>
#include <string_view>

#include "bot/irc/irc_message.hpp"
#include "fuzz_require.hpp"

using namespace katabot::irc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  const auto message = parse_message(line);
  (void)split_userhost(line);
  (void)decode_text(strip_formatting(line));
  (void)casefold(line, parse_casemapping(line));
  if (!message) return 0;
  (void)message->command();
  const auto again = parse_message(serialize(*message));
  FUZZ_REQUIRE(again && again->verb == message->verb && again->params == message->params &&
               again->source == message->source);
  return 0;
}
