#pragma once
// The `http.listen` setting, "HOST:PORT", split without touching the network so that the config
// check can report a malformed value before anything starts.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace katabot {

struct ListenAddress {
  std::string host;  // IPv4 literal, IPv6 literal without brackets, or a name to resolve
  std::uint16_t port = 0;  // 0: the kernel picks a free port
};

// Accepts "127.0.0.1:9090", "[::1]:9090", "localhost:9090", "0.0.0.0:0". On failure returns
// nullopt and sets `error` to a one-line reason.
std::optional<ListenAddress> parse_listen_address(std::string_view text, std::string& error);

}  // namespace katabot
