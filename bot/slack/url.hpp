#pragma once
// The few URL shapes Slack hands us (api_base, the Socket Mode wss URL, response_url), split into
// what a connection needs. Only http(s) and ws(s); anything else is refused.
#include <optional>
#include <string>
#include <string_view>

namespace katabot::slack {

struct Url {
  std::string scheme;  // "http", "https", "ws", "wss"
  std::string host;
  std::string port;    // explicit or the scheme's default
  std::string target;  // path and query, at least "/"

  bool secure() const { return scheme == "https" || scheme == "wss"; }
  std::string origin() const { return scheme + "://" + host + ":" + port; }
};

std::optional<Url> parse_url(std::string_view text);

// api_base ("https://slack.com/api/") joined with a method name ("chat.postMessage").
std::string method_url(std::string_view api_base, std::string_view method);

}  // namespace katabot::slack
