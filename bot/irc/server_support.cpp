#include "bot/irc/server_support.hpp"

#include <charconv>

namespace katabot::irc {
namespace {

std::size_t to_size(std::string_view text, std::size_t fallback) {
  std::size_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size() && value > 0 ? value : fallback;
}

}  // namespace

void ServerSupport::apply(const Message& isupport) {
  const ServerSupport defaults;
  // params: our nick, the tokens, then a human-readable trailing text.
  for (std::size_t i = 1; i + 1 < isupport.params.size(); ++i) {
    std::string_view token = isupport.params[i];
    const bool negated = !token.empty() && token.front() == '-';
    if (negated) token.remove_prefix(1);
    const auto equals = token.find('=');
    const auto key = token.substr(0, equals);
    const auto value = equals == std::string_view::npos ? std::string_view{} : token.substr(equals + 1);
    if (key == "CASEMAPPING") {
      casemapping = negated ? defaults.casemapping : parse_casemapping(value);
    } else if (key == "CHANTYPES") {
      chantypes = negated ? defaults.chantypes : std::string(value);
    } else if (key == "NICKLEN") {
      nicklen = negated ? defaults.nicklen : to_size(value, defaults.nicklen);
    } else if (key == "LINELEN") {
      linelen = negated ? defaults.linelen : to_size(value, defaults.linelen);
    } else if (key == "UTF8ONLY") {
      utf8only = !negated;
    }
  }
}

bool ServerSupport::is_channel(std::string_view target) const {
  return !target.empty() && chantypes.find(target.front()) != std::string::npos;
}

}  // namespace katabot::irc
