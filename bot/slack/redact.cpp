#include "bot/slack/redact.hpp"

#include <array>
#include <cctype>

namespace katabot::slack {
namespace {

constexpr std::array<std::string_view, 8> token_prefixes = {"xapp-", "xoxb-", "xoxp-", "xoxa-",
                                                             "xoxe-", "xoxr-", "xoxs-", "xoxo-"};
constexpr std::string_view ticket_parameter = "ticket=";
constexpr std::string_view redacted_marker = "…redacted";

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

bool starts_token_at(std::string_view text, std::size_t at, std::size_t& prefix_length) {
  if (at > 0 && is_token_char(text[at - 1])) return false;
  for (const auto prefix : token_prefixes) {
    if (text.substr(at, prefix.size()) == prefix) {
      prefix_length = prefix.size();
      return true;
    }
  }
  if (text.substr(at, ticket_parameter.size()) == ticket_parameter) {
    prefix_length = ticket_parameter.size();
    return true;
  }
  return false;
}

}  // namespace

std::string redact_secrets(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  while (at < text.size()) {
    std::size_t prefix_length = 0;
    if (starts_token_at(text, at, prefix_length)) {
      out.append(text.substr(at, prefix_length));
      out.append(redacted_marker);
      at += prefix_length;
      while (at < text.size() && is_token_char(text[at])) ++at;
      continue;
    }
    out.push_back(text[at++]);
  }
  return out;
}

}  // namespace katabot::slack
