#include "bot/links/link_status.hpp"

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include "knowledge/yaml_reader.hpp"

namespace katabot::links {

namespace asio = boost::asio;

std::optional<std::string> fetchable_url(std::string_view url) {
  const auto lowered = ascii_lower(url.substr(0, url.find(':') + 1));
  if (lowered == "http:" || lowered == "https:") return std::string(url);
  if (lowered == "webcal:") return "https:" + std::string(url.substr(lowered.size()));
  return std::nullopt;
}

std::string printable(std::string_view url) {
  std::string text(url);
  for (auto& c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  }
  return text;
}

std::string authority(const slack::Url& url) {
  const auto host = url.host.find(':') == std::string::npos ? url.host : "[" + url.host + "]";
  const bool default_port = url.port == (url.secure() ? "443" : "80");
  return default_port ? host : host + ":" + url.port;
}

std::string resolve_location(const slack::Url& answered, std::string_view location) {
  if (location.find("://") != std::string_view::npos) return std::string(location);
  if (location.starts_with("//")) return answered.scheme + ":" + std::string(location);
  const auto origin = answered.scheme + "://" + authority(answered);
  if (location.starts_with('/')) return origin + std::string(location);
  const auto path = answered.target.substr(0, answered.target.find('?'));
  if (location.starts_with('?')) return origin + path + std::string(location);
  return origin + path.substr(0, path.rfind('/') + 1) + std::string(location);
}

std::string describe_failure(const boost::system::error_code& error, Step step, std::string_view tls_detail) {
  if (error == asio::error::timed_out || error == boost::beast::error::timeout) return "timeout";
  if (error.category() == asio::error::get_netdb_category() || error.category() == asio::error::get_addrinfo_category()) {
    return "dns: " + error.message();
  }
  switch (step) {
    case Step::connect: return "connect: " + error.message();
    case Step::tls: return "tls: " + (tls_detail.empty() ? error.message() : std::string(tls_detail));
    case Step::http: break;
  }
  return "http: " + error.message();
}

}  // namespace katabot::links
