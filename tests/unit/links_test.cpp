#include <catch2/catch.hpp>

#include <boost/asio/error.hpp>
#include <boost/beast/core/error.hpp>

#include "bot/cli.hpp"
#include "bot/links/link_status.hpp"
#include "knowledge/url_places.hpp"

using namespace katabot;

namespace {

std::vector<std::string> urls_in(std::string_view text) {
  std::vector<std::string> urls;
  for (const auto& found : find_urls(text)) urls.emplace_back(found.url);
  return urls;
}

std::string place(const UrlPlace& found) {
  return found.file + ":" + std::to_string(found.line) + ":" + std::to_string(found.column) + ": " + found.url;
}

std::vector<std::string> places_in(const std::string& yaml) {
  Diagnostics diagnostics;
  std::vector<std::string> places;
  for (const auto& found : find_url_places(yaml, "topics.yaml", diagnostics)) places.push_back(place(found));
  REQUIRE(diagnostics.empty());
  return places;
}

slack::Url url(std::string_view text) {
  const auto parsed = slack::parse_url(text);
  REQUIRE(parsed);
  return *parsed;
}

}  // namespace

TEST_CASE("URLs are found in prose and Slack mrkdwn without the punctuation around them", "[links]") {
  CHECK(urls_in("see <https://a.example/x|the docs>.") == std::vector<std::string>{"https://a.example/x"});
  CHECK(urls_in("(https://a.example/x), then http://b.example.") ==
        std::vector<std::string>{"https://a.example/x", "http://b.example"});
  CHECK(urls_in("wiki https://en.example/Kata_(software) ok") ==
        std::vector<std::string>{"https://en.example/Kata_(software)"});
  CHECK(urls_in("Subscribe: webcal://cal.example/feed; mail mailto:security@example.org!") ==
        std::vector<std::string>{"webcal://cal.example/feed", "mailto:security@example.org"});
  CHECK(urls_in("HTTPS://UPPER.example/") == std::vector<std::string>{"HTTPS://UPPER.example/"});
  CHECK(urls_in("nohttps://glued.example and https:// alone") .empty());
}

TEST_CASE("each URL of a knowledge file is placed at its own line and column", "[links]") {
  const std::string yaml =
      "topics:\n"                                           // 1
      "  - id: conduct\n"                                   // 2
      "    summary: Read https://a.example/coc, then ask.\n"  // 3
      "    details: |\n"                                    // 4
      "      Two links: <https://a.example/coc|again> and\n"  // 5
      "        <https://b.example/report|report>.\n"         // 6
      "    links:\n"                                        // 7
      "      - title: \"Code\"\n"                           // 8
      "        url: \"https://a.example/coc\"\n"            // 9
      "      - {title: Mail, url: mailto:x@example.org}\n"; // 10
  CHECK(places_in(yaml) == std::vector<std::string>{
                               "topics.yaml:3:19: https://a.example/coc",
                               "topics.yaml:5:19: https://a.example/coc",
                               "topics.yaml:6:10: https://b.example/report",
                               "topics.yaml:9:15: https://a.example/coc",
                               "topics.yaml:10:28: mailto:x@example.org",
                           });
}

TEST_CASE("a URL only an escape spells out is placed at the start of its value", "[links]") {
  CHECK(places_in("a: x\nb: \"https://a.example/\\x41\"\n") == std::vector<std::string>{"topics.yaml:2:4: https://a.example/A"});
}

TEST_CASE("keys are not URLs", "[links]") {
  CHECK(places_in("https://key.example: 1\nx: https://a.example/\n") == std::vector<std::string>{"topics.yaml:2:4: https://a.example/"});
}

TEST_CASE("a knowledge file nested absurdly deep is refused, not recursed into", "[links]") {
  std::string yaml = "x: ";
  for (int i = 0; i < 40; ++i) yaml += "[";
  yaml += "https://a.example/";
  for (int i = 0; i < 40; ++i) yaml += "]";
  Diagnostics diagnostics;
  CHECK(find_url_places(yaml, "topics.yaml", diagnostics).empty());
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].message == "nested more than 32 levels deep");
}

TEST_CASE("webcal subscriptions are fetched over https, mail addresses are not fetched", "[links]") {
  CHECK(links::fetchable_url("webcal://cal.example/feed") == "https://cal.example/feed");
  CHECK(links::fetchable_url("https://a.example/") == "https://a.example/");
  CHECK(links::fetchable_url("http://a.example/") == "http://a.example/");
  CHECK_FALSE(links::fetchable_url("mailto:x@example.org"));
}

TEST_CASE("redirect locations are read against the URL that answered", "[links]") {
  const auto answered = url("https://a.example:8443/docs/install/index.html?x=1");
  CHECK(links::resolve_location(answered, "https://b.example/") == "https://b.example/");
  CHECK(links::resolve_location(answered, "//c.example/p") == "https://c.example/p");
  CHECK(links::resolve_location(answered, "/new") == "https://a.example:8443/new");
  CHECK(links::resolve_location(answered, "other.html") == "https://a.example:8443/docs/install/other.html");
  CHECK(links::resolve_location(answered, "?y=2") == "https://a.example:8443/docs/install/index.html?y=2");
  CHECK(links::resolve_location(url("http://[::1]:80/a"), "/b") == "http://[::1]/b");
}

TEST_CASE("a redirect target is printed without the terminal escapes a server put in it", "[links]") {
  CHECK(links::printable("https://a.example/\x1b[2J\x7f") == "https://a.example/?[2J?");
  CHECK(links::printable("https://a.example/caf\xc3\xa9") == "https://a.example/caf\xc3\xa9");
}

TEST_CASE("each failure reads as the step that failed", "[links]") {
  namespace asio = boost::asio;
  using links::Step;
  CHECK(links::describe_failure(boost::beast::error::timeout, Step::http) == "timeout");
  CHECK(links::describe_failure(asio::error::timed_out, Step::connect) == "timeout");
  CHECK(links::describe_failure(asio::error::host_not_found, Step::connect).starts_with("dns: "));
  CHECK(links::describe_failure(asio::error::connection_refused, Step::connect) == "connect: Connection refused");
  CHECK(links::describe_failure(asio::error::eof, Step::tls, "certificate verify failed: certificate has expired") ==
        "tls: certificate verify failed: certificate has expired");
  CHECK(links::describe_failure(asio::error::eof, Step::http) == "http: End of file");
}

TEST_CASE("the link check mode takes its own options, and only it does", "[cli][links]") {
  const auto options = std::get<CliOptions>(
      parse_command_line({"--check-links", "--ca-file", "ca.pem", "--link-timeout", "2s", "--config", "k.yaml"}));
  CHECK(options.mode == CliOptions::Mode::check_links);
  CHECK(options.ca_file == std::filesystem::path("ca.pem"));
  CHECK(options.link_timeout == std::chrono::seconds(2));
  CHECK(std::get<CliError>(parse_command_line({"--check-links", "--link-timeout", "0s"})).message ==
        "katabot: --link-timeout needs a duration from 1s to 5m, such as 10s");
  CHECK(std::get<CliError>(parse_command_line({"--check-links", "--ca-file"})).message ==
        "katabot: --ca-file needs a PEM file of trusted CA certificates");
  CHECK(std::get<CliError>(parse_command_line({"--console", "--link-timeout", "2s"})).message ==
        "katabot: --ca-file and --link-timeout go with --check-links");
}
