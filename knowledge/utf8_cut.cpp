#include "knowledge/utf8_cut.hpp"

namespace katabot {
namespace {

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// A code point has at most three continuation bytes; further back the text was not UTF-8 anyway.
constexpr int max_continuation_bytes = 3;

}  // namespace

std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  auto cut = max_bytes;
  for (int step = 0; step < max_continuation_bytes && cut > 0 && is_continuation_byte(text[cut]); ++step) --cut;
  return text.substr(0, cut);
}

std::string_view first_code_points(std::string_view text, std::size_t count) {
  std::size_t seen = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (is_continuation_byte(text[at])) continue;
    if (seen == count) return text.substr(0, at);
    ++seen;
  }
  return text;
}

std::string truncate_utf8(std::string_view text, std::size_t max_bytes, std::string_view marker) {
  if (text.size() <= max_bytes) return std::string(text);
  if (marker.size() > max_bytes) return std::string(utf8_prefix(text, max_bytes));
  return std::string(utf8_prefix(text, max_bytes - marker.size())) + std::string(marker);
}

}  // namespace katabot
