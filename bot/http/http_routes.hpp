#pragma once
// What the operator HTTP endpoints answer, decided without any socket: the server only parses
// the request line and writes back what answer_http_request() returns, so every route, status
// and header is testable as a plain function call.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace katabot {

// The app's views of its own state; called on the io_context thread, one request at a time.
// An empty function means "not available": its path answers 404 (readiness: always ready).
struct HttpRoutes {
  std::function<std::pair<bool, std::string>()> readiness;  // ready?, body naming what is not ready
  std::function<std::string()> metrics;                     // Prometheus text format
  std::function<std::string()> calendar;                    // iCalendar text for /meetings.ics
};

struct HttpAnswer {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type and Content-Length
};

// `method` as sent ("GET", "HEAD", …); `target` is the request target, query string included.
// HEAD gets the GET answer: the caller sends its headers and Content-Length without the body.
HttpAnswer answer_http_request(std::string_view method, std::string_view target, const HttpRoutes& routes);

}  // namespace katabot
