#include "bot/irc/outgoing_text.hpp"

#include <algorithm>

namespace katabot::irc {
namespace {

std::string remove_chars(std::string_view text, std::string_view unwanted) {
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    if (unwanted.find(c) == std::string_view::npos) out += c;
  }
  return out;
}

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

}  // namespace

std::string sanitize_param(std::string_view text) { return remove_chars(text, std::string_view("\r\n\0", 3)); }

std::string sanitize_text(std::string_view text) { return remove_chars(text, std::string_view("\r\n\0\x01", 4)); }

bool is_valid_middle_param(std::string_view param) {
  return !param.empty() && param.front() != ':' && param.find_first_of(std::string_view(" \r\n\0", 4)) == std::string_view::npos;
}

std::size_t text_budget(std::string_view own_prefix, std::string_view verb, std::string_view target,
                        std::size_t line_limit) {
  // ":" prefix " " verb " " target " :" text "\r\n"
  const auto overhead = 1 + own_prefix.size() + 1 + verb.size() + 1 + target.size() + 2 + 2;
  return overhead >= line_limit ? 0 : line_limit - overhead;
}

std::string assumed_prefix(std::string_view nick, std::string_view username) {
  return std::string(nick) + "!~" + std::string(username) + "@" + std::string(63, 'h');
}

std::vector<std::string> split_text(std::string_view text, std::size_t budget) {
  std::vector<std::string> pieces;
  budget = std::max<std::size_t>(budget, 4);  // room for one code point of any width
  while (text.size() > budget) {
    auto cut = text.rfind(' ', budget);
    std::size_t skip = 1;
    if (cut == std::string_view::npos || cut == 0) {
      cut = budget;
      while (cut > 0 && is_continuation_byte(text[cut])) --cut;
      if (cut == 0) cut = budget;  // not UTF-8 at all: any byte boundary will do
      skip = 0;
    }
    pieces.emplace_back(text.substr(0, cut));
    text.remove_prefix(cut + skip);
  }
  if (!text.empty()) pieces.emplace_back(text);
  return pieces;
}

}  // namespace katabot::irc
