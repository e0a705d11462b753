// The routing decisions and the listen-address syntax, without sockets.
#include <stdexcept>

#include <catch2/catch.hpp>

#include "bot/http/http_routes.hpp"
#include "bot/http/listen_address.hpp"

using namespace katabot;

namespace {

HttpRoutes constant_routes() {
  return HttpRoutes{[] { return std::pair{false, std::string("irc: not registered")}; },
                    [] { return std::string("katabot_up 1\n"); }, [] { return std::string("BEGIN:VCALENDAR\r\n"); }};
}

std::optional<std::string> header(const HttpAnswer& answer, std::string_view name) {
  for (const auto& [key, value] : answer.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("answer_http_request routes each operator path", "[http]") {
  const auto routes = constant_routes();
  CHECK(answer_http_request("GET", "/healthz", routes).body == "ok\n");
  const auto readiness = answer_http_request("GET", "/readyz", routes);
  CHECK(readiness.status == 503);
  CHECK(readiness.body == "irc: not registered\n");
  CHECK(answer_http_request("GET", "/metrics", routes).body == "katabot_up 1\n");
  const auto calendar = answer_http_request("HEAD", "/meetings.ics?x=1", routes);
  CHECK(calendar.status == 200);
  CHECK(calendar.content_type == "text/calendar; charset=utf-8");
  CHECK(header(calendar, "Content-Disposition") == "inline; filename=meetings.ics");
}

TEST_CASE("answer_http_request: an absolute-form target routes by its path", "[http]") {
  const auto routes = constant_routes();
  CHECK(answer_http_request("GET", "http://katabot.internal/healthz", routes).body == "ok\n");
  CHECK(answer_http_request("GET", "HTTPS://10.0.0.1:8080/metrics?x=1", routes).body == "katabot_up 1\n");
  CHECK(answer_http_request("GET", "http://katabot.internal", routes).status == 404);  // the path is "/"
  CHECK(answer_http_request("GET", "http://host?/healthz", routes).status == 404);
  // Only the start of a target is a scheme: a query naming a URL changes nothing.
  CHECK(answer_http_request("GET", "/healthz?next=http://x/metrics", routes).body == "ok\n");
}

TEST_CASE("answer_http_request: missing routes are 404, readiness defaults to ready", "[http]") {
  const HttpRoutes none;
  CHECK(answer_http_request("GET", "/metrics", none).status == 404);
  CHECK(answer_http_request("GET", "/meetings.ics", none).status == 404);
  CHECK(answer_http_request("POST", "/metrics", none).status == 404);
  CHECK(answer_http_request("GET", "/readyz", none).status == 200);
}

TEST_CASE("answer_http_request: 405 names the allowed methods", "[http]") {
  const auto answer = answer_http_request("PATCH", "/readyz", constant_routes());
  CHECK(answer.status == 405);
  CHECK(header(answer, "Allow") == "GET, HEAD");
}

TEST_CASE("answer_http_request: a failing route is a 500, not a crash", "[http]") {
  HttpRoutes routes;
  routes.metrics = []() -> std::string { throw std::runtime_error("boom"); };
  const auto answer = answer_http_request("GET", "/metrics", routes);
  CHECK(answer.status == 500);
  CHECK(answer.body == "internal error\n");
}

TEST_CASE("parse_listen_address accepts IPv4, bracketed IPv6 and names", "[http]") {
  std::string error;
  const auto v4 = parse_listen_address("127.0.0.1:9090", error);
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 9090);
  const auto v6 = parse_listen_address("[::1]:0", error);
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 0);
  const auto name = parse_listen_address("localhost:65535", error);
  REQUIRE(name);
  CHECK(name->host == "localhost");
}

TEST_CASE("parse_listen_address rejects malformed values with a reason", "[http]") {
  for (const std::string bad : {"", "9090", ":9090", "::1:9090", "[::1]", "host:", "host:http", "host:65536",
                                "host:-1", "host:90 "}) {
    CAPTURE(bad);
    std::string error;
    CHECK_FALSE(parse_listen_address(bad, error));
    CHECK_FALSE(error.empty());
  }
}
