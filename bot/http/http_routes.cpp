#include "bot/http/http_routes.hpp"

#include <exception>

#include <spdlog/spdlog.h>

namespace katabot {
namespace {

constexpr std::string_view plain_text = "text/plain; charset=utf-8";
// The version the Prometheus text exposition format requires scrapers to see.
constexpr std::string_view prometheus_text = "text/plain; version=0.0.4; charset=utf-8";
constexpr std::string_view calendar_type = "text/calendar; charset=utf-8";

HttpAnswer plain(unsigned status, std::string body) {
  return HttpAnswer{status, std::string(plain_text), std::move(body), {}};
}

// RFC 9112 3.2.2: a server must accept the absolute form ("http://host/healthz"), which proxies
// and some probes send; only the path names the route.
std::string_view strip_scheme_and_authority(std::string_view target) {
  const auto scheme_end = target.find("://");
  if (scheme_end == std::string_view::npos || target.starts_with('/')) return target;
  const auto path_start = target.find_first_of("/?#", scheme_end + 3);
  // "http://host" and "http://host?x" have an empty path, which means "/".
  if (path_start == std::string_view::npos || target[path_start] != '/') return "/";
  return target.substr(path_start);
}

std::string_view path_of(std::string_view target) {
  target = strip_scheme_and_authority(target);
  return target.substr(0, target.find_first_of("?#"));
}

HttpAnswer readiness_answer(const HttpRoutes& routes) {
  if (!routes.readiness) return plain(200, "ready\n");
  auto [ready, text] = routes.readiness();
  if (!text.empty() && text.back() != '\n') text += '\n';
  return plain(ready ? 200 : 503, std::move(text));
}

HttpAnswer route(std::string_view path, const HttpRoutes& routes) {
  if (path == "/healthz") return plain(200, "ok\n");
  if (path == "/readyz") return readiness_answer(routes);
  if (path == "/metrics" && routes.metrics) {
    return HttpAnswer{200, std::string(prometheus_text), routes.metrics(), {}};
  }
  if (path == "/meetings.ics" && routes.calendar) {
    // inline: calendar apps subscribe to the URL; a browser shows the text instead of saving a file.
    return HttpAnswer{200, std::string(calendar_type), routes.calendar(),
                      {{"Content-Disposition", "inline; filename=meetings.ics"}}};
  }
  return plain(404, "not found\n");
}

bool is_known_path(std::string_view path, const HttpRoutes& routes) {
  return path == "/healthz" || path == "/readyz" || (path == "/metrics" && routes.metrics) ||
         (path == "/meetings.ics" && routes.calendar);
}

}  // namespace

HttpAnswer answer_http_request(std::string_view method, std::string_view target, const HttpRoutes& routes) {
  const auto path = path_of(target);
  if (!is_known_path(path, routes)) return plain(404, "not found\n");
  if (method != "GET" && method != "HEAD") {
    auto answer = plain(405, "method not allowed\n");
    answer.headers.emplace_back("Allow", "GET, HEAD");
    return answer;
  }
  try {
    auto answer = route(path, routes);
    // Every answer describes the bot's state right now; a cached copy would mislead probes and calendars.
    answer.headers.emplace_back("Cache-Control", "no-store");
    return answer;
  } catch (const std::exception& error) {
    spdlog::error("http: {} failed: {}", path, error.what());
    return plain(500, "internal error\n");
  }
}

}  // namespace katabot
