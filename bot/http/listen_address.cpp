#include "bot/http/listen_address.hpp"

#include <charconv>

namespace katabot {

std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& error) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos) {
    error = "expected HOST:PORT, e.g. 127.0.0.1:9090";
    return std::nullopt;
  }
  auto host = text.substr(0, colon);
  const auto port_text = text.substr(colon + 1);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  } else if (host.find_first_of("[]:") != std::string_view::npos) {
    error = "an IPv6 address must be in brackets, e.g. [::1]:9090";
    return std::nullopt;
  }
  if (host.empty()) {
    error = "missing host before ':' (use 0.0.0.0 or [::] for every interface)";
    return std::nullopt;
  }
  unsigned port = 0;
  const auto [end, failure] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (port_text.empty() || failure != std::errc{} || end != port_text.data() + port_text.size() || port > 65535) {
    error = "port must be a number from 0 to 65535";
    return std::nullopt;
  }
  return ListenAddress{std::string(host), static_cast<std::uint16_t>(port)};
}

}  // namespace katabot
