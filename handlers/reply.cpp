#include "handlers/reply.hpp"

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

}  // namespace katabot
