#include "handlers/reply.hpp"

#include "knowledge/utf8_cut.hpp"

namespace katabot {

std::string escape_mrkdwn(std::string_view text) {
  std::string escaped;
  escaped.reserve(text.size());
  for (const char c : text) {
    switch (c) {
      case '&': escaped += "&amp;"; break;
      case '<': escaped += "&lt;"; break;
      case '>': escaped += "&gt;"; break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string single_line(std::string_view text, std::size_t max_bytes) {
  std::string line;
  for (const char c : text) line += static_cast<unsigned char>(c) < ' ' || c == 0x7F ? ' ' : c;
  return truncate_utf8(line, max_bytes, "…");
}

}  // namespace katabot
