// The katabot binary with IRC (a real ircd-hybrid) and HTTP: what operators see on /readyz and
// /metrics follows what really happened on IRC.
#include <fstream>

#include <catch2/catch.hpp>

#include "test_support.hpp"
#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot::test;

namespace {

std::filesystem::path write_irc_http_config(const std::filesystem::path& directory, std::uint16_t irc_port,
                                            std::uint16_t http_port) {
  const auto file = directory / "katabot.yaml";
  std::ofstream(file) << "bot:\n"
                         "  name: katabot\n"
                         "  knowledge_dir: " KATABOT_SOURCE_DIR "/knowledge\n"
                         "  state_dir: " << (directory / "state").string() << "\n"
                         "slack:\n"
                         "  enabled: false\n"
                         "irc:\n"
                         "  enabled: true\n"
                         "  host: 127.0.0.1\n"
                         "  port: " << irc_port << "\n"
                         "  tls: false\n"
                         "  nick: katabot\n"
                         "  channels: [\"#kata-dev\"]\n"
                         "http:\n"
                         "  listen: 127.0.0.1:" << http_port << "\n";
  return file;
}

bool answers_healthz(std::uint16_t port, Deadline deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto reply = curl_request(port, "/healthz", {"--connect-timeout", "1"}); reply && reply->status == 200) {
      return true;
    }
  }
  return false;
}

// The value of one series, as the exposition text has it; nullopt when the series is absent.
std::optional<double> series_value(const std::string& exposition, const std::string& series) {
  const auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(exposition.substr(at + series.size() + 2));
}

}  // namespace

TEST_CASE("katabot binary: /readyz is 503 while IRC is down, and one IRC message counts once in /metrics",
          "[http][irc][binary]") {
  HybridServer server;
  server.kill_now();  // down when the bot starts
  TempDir directory("katabot-irc-metrics");
  const auto http_port = free_loopback_port();
  Process bot({KATABOT_BINARY, "--config", write_irc_http_config(directory.path(), server.port(), http_port).string()},
              directory.path() / "katabot.log");
  const auto log = [&] { return file_contents(directory.path() / "katabot.log"); };
  if (!answers_healthz(http_port, deadline_in(10s))) FAIL("no /healthz within 10 s; katabot said:\n" << log());

  const auto down = curl_request(http_port, "/readyz");
  REQUIRE(down);
  CHECK(down->status == 503);
  CHECK(down->body.find("irc") != std::string::npos);

  server.start();
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  // Its reconnection backoff starts at 2 s and doubles: the join comes within a few attempts.
  const auto joined = member.wait_for(
      [](const std::string& line) { return line.starts_with(":katabot!") && line.find(" JOIN ") != std::string::npos; },
      30s);
  if (!joined) FAIL("katabot did not join #kata-dev; it said:\n" << log());
  const auto up = curl_request(http_port, "/readyz");
  REQUIRE(up);
  CHECK(up->status == 200);

  member.send_line("PRIVMSG #kata-dev :!conduct");
  REQUIRE(member.wait_for(
      [](const std::string& line) { return line.starts_with(":katabot!") && line.find(" PRIVMSG #kata-dev :") != std::string::npos; },
      5s));

  const auto metrics = curl_request(http_port, "/metrics");
  REQUIRE(metrics);
  INFO("/metrics:\n" << metrics->body);
  CHECK(series_value(metrics->body, "katabot_messages_in_total{platform=\"irc\"}") == 1);
  CHECK(series_value(metrics->body, "katabot_commands_total{command=\"conduct\"}") == 1);
  CHECK(series_value(metrics->body, "katabot_adapter_ready{platform=\"irc\"}") == 1);
  CHECK(series_value(metrics->body, "katabot_reconnects_total{platform=\"irc\"}").has_value());
  const auto linted = check_with_promtool(metrics->body, directory.path());
  INFO("promtool: " << linted.output);
  CHECK(linted.exit_code == 0);
  CHECK(linted.output.empty());

  CHECK(bot.terminate(5000ms) == 0);
}
