#pragma once
// What the server told us in 005 (ISUPPORT), with the protocol defaults for anything it left out.
#include <cstddef>
#include <string>

#include "bot/irc/irc_message.hpp"

namespace katabot::irc {

struct ServerSupport {
  CaseMapping casemapping = CaseMapping::rfc1459;
  std::string chantypes = "#&";
  std::size_t nicklen = 9;
  std::size_t linelen = max_line_bytes;
  bool utf8only = false;

  // Adds the tokens of one 005 line (several lines add up; "-KEY" restores the default).
  void apply(const Message& isupport);
  bool is_channel(std::string_view target) const;
  std::string fold(std::string_view name) const { return casefold(name, casemapping); }
};

}  // namespace katabot::irc
