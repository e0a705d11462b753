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

std::string quote_mrkdwn(std::string_view user_text) {
  std::string word;
  word.reserve(user_text.size());
  for (const char c : user_text) {
    switch (c) {
      case '`': word += '\''; break;
      case '\r':
      case '\n': word += ' '; break;
      default: word += c;
    }
  }
  return "`" + escape_mrkdwn(word) + "`";
}

std::string single_line(std::string_view text, std::size_t max_bytes) {
  std::string line;
  for (const char c : text) line += static_cast<unsigned char>(c) < ' ' || c == 0x7F ? ' ' : c;
  return truncate_utf8(line, max_bytes, "…");
}

}  // namespace katabot
