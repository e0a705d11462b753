// The IRC reply splitter on any text. Properties: every wire line, as the server relays it with our
// prefix, is at most 512 bytes with CR LF; no CR, LF or NUL inside; valid UTF-8 stays valid in every
// piece; and split_text's pieces, rejoined with the spaces that were cut, equal the sanitized input.
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "bot/irc/irc_message.hpp"
#include "bot/irc/outgoing_text.hpp"
#include "bot/irc/reply_lines.hpp"
#include "fuzz_require.hpp"

using namespace katabot::irc;

namespace {

// Walks the input: each piece must come next, and the single space a cut consumed may follow it
// (after the last piece too, when the text ended right at a cut).
bool rejoins_to(const std::vector<std::string>& pieces, std::string_view input) {
  std::size_t at = 0;
  for (const auto& piece : pieces) {
    if (input.compare(at, piece.size(), piece) != 0) return false;
    at += piece.size();
    if (at < input.size() && input[at] == ' ') ++at;
  }
  return at == input.size();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  // Names as servers allow them (NICKLEN, CHANNELLEN, HOSTLEN): the budget arithmetic assumes them.
  ReplyAddress address;
  address.nick = input.ConsumeRandomLengthString(30);
  address.channel = input.ConsumeBool() ? "#" + input.ConsumeRandomLengthString(49) : "";
  address.own_prefix = assumed_prefix(input.ConsumeRandomLengthString(30), input.ConsumeRandomLengthString(10));
  const auto budget = input.ConsumeIntegralInRange<std::size_t>(0, 600);
  std::vector<std::string> rendered;
  while (input.remaining_bytes() > 0 && rendered.size() < 8) rendered.push_back(input.ConsumeRandomLengthString(4096));

  for (const auto& text : rendered) {
    const auto clean = sanitize_text(text);
    const auto pieces = split_text(clean, budget);
    FUZZ_REQUIRE(rejoins_to(pieces, clean));
    for (const auto& piece : pieces) {
      FUZZ_REQUIRE(piece.size() <= std::max<std::size_t>(budget, 4));
      if (is_valid_utf8(clean)) FUZZ_REQUIRE(is_valid_utf8(piece));
    }
  }

  const auto relayed_overhead = 1 + address.own_prefix.size() + 1 + 2;  // ":" prefix " " … "\r\n"
  const ReplyLimits limits;
  const auto lines = plan_reply_lines(rendered, address, limits);
  const auto channel = sanitize_param(address.channel);
  const auto in_channel = std::count_if(lines.begin(), lines.end(), [&](const std::string& line) {
    return !channel.empty() && line.starts_with("PRIVMSG " + channel + " :");
  });
  if (channel != sanitize_param(address.nick)) {  // otherwise the two targets cannot be told apart
    FUZZ_REQUIRE(static_cast<std::size_t>(in_channel) <= limits.channel_lines);
    FUZZ_REQUIRE(lines.size() - static_cast<std::size_t>(in_channel) <= limits.private_lines);
  }
  for (const auto& line : lines) {
    FUZZ_REQUIRE(line.size() + relayed_overhead <= 512);
    FUZZ_REQUIRE(line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    FUZZ_REQUIRE(parse_message(line).has_value());
  }
  return 0;
}
