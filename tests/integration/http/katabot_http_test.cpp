// The real katabot binary with only HTTP enabled: it serves the operator endpoints from its config
// and exits 0 within 5 s of SIGTERM.
#include <csignal>
#include <cstdlib>
#include <fstream>

#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "test_support.hpp"

using namespace katabot::test;

namespace {

std::filesystem::path write_http_only_config(const std::filesystem::path& directory, std::uint16_t port) {
  const auto file = directory / "katabot.yaml";
  std::ofstream out(file);
  out << "bot:\n"
      << "  name: katabot\n"
      << "  knowledge_dir: " << KATABOT_SOURCE_DIR << "/knowledge\n"
      << "  state_dir: " << (directory / "state").string() << "\n"
      << "  log_level: debug\n"
      << "slack:\n  enabled: false\n"
      << "irc:\n  enabled: false\n"
      << "http:\n  listen: 127.0.0.1:" << port << "\n";
  return file;
}

// Polls /healthz until it answers 200, the process dies, or the deadline passes.
bool wait_until_healthy(ChildProcess& process, std::uint16_t port, Deadline deadline) {
  while (std::chrono::steady_clock::now() < deadline && process.running()) {
    if (const auto reply = curl_request(port, "/healthz", {"--connect-timeout", "1"}); reply && reply->status == 200) {
      return true;
    }
  }
  return false;
}

// An independent RFC 5545 parser (python3-icalendar) must accept the feed.
CommandResult parse_with_icalendar(const std::filesystem::path& file) {
  return run_command({KATABOT_ICALENDAR_PYTHON, "-c",
                      "import sys, icalendar\n"
                      "calendar = icalendar.Calendar.from_ical(open(sys.argv[1], 'rb').read())\n"
                      "print(len(calendar.walk('VEVENT')))",
                      file.string()});
}

}  // namespace

TEST_CASE("katabot --config serves /healthz, /readyz, /meetings.ics and linted /metrics, then exits 0 on SIGTERM", "[http][binary]") {
  const auto directory = make_temporary_directory();
  const auto port = free_loopback_port();
  const auto config = write_http_only_config(directory, port);
  const auto log_file = directory / "katabot.log";

  ChildProcess katabot(KATABOT_BINARY, {"--config", config.string()}, log_file);
  REQUIRE(katabot.started());
  if (!wait_until_healthy(katabot, port, deadline_in(10s))) {
    FAIL("katabot did not answer /healthz within 10 s; its output:\n" << file_contents(log_file));
  }

  const auto readiness = curl_request(port, "/readyz");
  REQUIRE(readiness);
  CHECK(readiness->status == 200);  // no adapter is enabled, so nothing can be unready

  const auto calendar = curl_request(port, "/meetings.ics");
  REQUIRE(calendar);
  CHECK(calendar->status == 200);
  CHECK(calendar->header("Content-Type") == "text/calendar; charset=utf-8");
  CHECK(calendar->body.rfind("BEGIN:VCALENDAR\r\n", 0) == 0);
  CHECK(calendar->body.ends_with("END:VCALENDAR\r\n"));
  if (std::string_view(KATABOT_ICALENDAR_PYTHON).empty()) {
    WARN("python3-icalendar is not installed: the feed was not parsed");
  } else {
    const auto calendar_file = directory / "meetings.ics";
    std::ofstream(calendar_file, std::ios::binary) << calendar->body;
    const auto parsed = parse_with_icalendar(calendar_file);
    INFO("python3-icalendar: " << parsed.output);
    CHECK(parsed.exit_code == 0);
    CHECK(std::atoi(parsed.output.c_str()) > 0);  // the number of VEVENTs
  }

  const auto metrics = curl_request(port, "/metrics");
  REQUIRE(metrics);
  CHECK(metrics->status == 200);
  CHECK(metrics->header("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  const auto linted = check_with_promtool(metrics->body, directory);
  INFO("promtool: " << linted.output << "\n/metrics:\n" << metrics->body);
  CHECK(linted.exit_code == 0);
  CHECK(linted.output.empty());
  // Before anything happened: the counters a dashboard needs are there, at 0.
  CHECK(metrics->body.find("\nkatabot_commands_total{command=\"help\"} 0\n") != std::string::npos);
  CHECK(metrics->body.find("\nkatabot_commands_total{command=\"conduct\"} 0\n") != std::string::npos);
  CHECK(metrics->body.find("\nkatabot_build_info{version=\"") != std::string::npos);

  katabot.signal(SIGTERM);
  const auto status = katabot.wait_exit(deadline_in(5s));
  INFO("katabot output:\n" << file_contents(log_file));
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);

  std::filesystem::remove_all(directory);
}

TEST_CASE("deploy/katabot.yaml, the container and Kubernetes config, passes --check-config", "[deploy][binary]") {
  // Laid out as in the image: /etc/katabot/katabot.yaml beside /etc/katabot/knowledge/.
  const auto directory = make_temporary_directory();
  std::filesystem::copy_file(std::filesystem::path(KATABOT_SOURCE_DIR) / "deploy/katabot.yaml",
                             directory / "katabot.yaml");
  std::filesystem::create_directory_symlink(std::filesystem::path(KATABOT_SOURCE_DIR) / "knowledge",
                                            directory / "knowledge");

  // The same placeholder tokens the Dockerfile's build-time check uses.
  const auto result = run_command({"env", "SLACK_APP_TOKEN=xapp-build-check", "SLACK_BOT_TOKEN=xoxb-build-check",
                                   "IRC_NICKSERV_PASSWORD=", KATABOT_BINARY, "--check-config", "--config",
                                   (directory / "katabot.yaml").string()});
  INFO(result.output);
  CHECK(result.exit_code == 0);
  std::filesystem::remove_all(directory);
}
