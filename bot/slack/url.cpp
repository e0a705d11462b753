#include "bot/slack/url.hpp"

#include <algorithm>
#include <cctype>

namespace katabot::slack {

std::optional<Url> parse_url(std::string_view text) {
  const auto scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  Url url;
  url.scheme = std::string(text.substr(0, scheme_end));
  std::transform(url.scheme.begin(), url.scheme.end(), url.scheme.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (url.scheme != "http" && url.scheme != "https" && url.scheme != "ws" && url.scheme != "wss") return std::nullopt;
  auto rest = text.substr(scheme_end + 3);
  const auto authority_end = rest.find_first_of("/?#");
  auto authority = rest.substr(0, authority_end);
  url.target = authority_end == std::string_view::npos ? "/" : std::string(rest.substr(authority_end));
  if (const auto hash = url.target.find('#'); hash != std::string::npos) url.target.erase(hash);
  if (url.target.empty() || url.target.front() != '/') url.target.insert(0, "/");
  if (authority.find('@') != std::string_view::npos) return std::nullopt;  // no credentials in URLs
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    url.host = std::string(authority.substr(1, close - 1));
    authority.remove_prefix(close + 1);
    if (!authority.empty() && !authority.starts_with(':')) return std::nullopt;
    if (!authority.empty()) url.port = std::string(authority.substr(1));
  } else {
    const auto colon = authority.rfind(':');
    url.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) url.port = std::string(authority.substr(colon + 1));
  }
  if (url.host.empty()) return std::nullopt;
  if (url.port.empty()) url.port = url.secure() ? "443" : "80";
  if (!std::all_of(url.port.begin(), url.port.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      url.port.size() > 5) {
    return std::nullopt;
  }
  return url;
}

std::string method_url(std::string_view api_base, std::string_view method) {
  std::string url(api_base);
  if (url.empty() || url.back() != '/') url += '/';
  return url + std::string(method);
}

}  // namespace katabot::slack
