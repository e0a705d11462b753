// The shutdown contract (issue 10): whatever the bot is doing, SIGTERM ends the real binary with exit
// code 0 within 2 s of the signal. Each case puts the bot in one state, then signals it.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <iostream>
#include <thread>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot::test;

namespace {

constexpr auto stop_limit = 2000ms;

// The source tree's knowledge base, IRC as given (or disabled), HTTP on `http_port` (0: none).
std::filesystem::path write_config(const TempDir& dir, const std::string& irc_lines, std::uint16_t http_port = 0) {
  const auto config = dir.path() / "katabot.yaml";
  std::ofstream(config) << "bot:\n"
                           "  name: katabot\n"
                           "  knowledge_dir: " KATABOT_SOURCE_DIR "/knowledge\n"
                           "  state_dir: " << (dir.path() / "state").string() << "\n"
                        << irc_lines << "http:\n  listen: \""
                        << (http_port == 0 ? std::string() : "127.0.0.1:" + std::to_string(http_port)) << "\"\n";
  return config;
}

std::string plain_irc(std::uint16_t port) {
  return "irc:\n"
         "  enabled: true\n"
         "  host: 127.0.0.1\n"
         "  port: " + std::to_string(port) + "\n"
         "  tls: false\n"
         "  nick: katabot\n"
         "  channels: [\"#kata-dev\"]\n";
}

// SIGTERM (`signals` times, back to back); the bot must exit 0 within stop_limit of the first.
void check_sigterm_exits_in_time(Process& bot, int signals = 1) {
  const auto signalled = Clock::now();
  for (int extra = 1; extra < signals; ++extra) ::kill(bot.pid(), SIGTERM);
  const int exit_code = bot.terminate(5000ms);  // sends the last SIGTERM
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - signalled);
  std::cout << Catch::getResultCapture().getCurrentTestName() << ": exit " << exit_code << " " << took.count()
            << " ms after SIGTERM\n";
  CHECK(exit_code == 0);
  CHECK(took < stop_limit);
}

// The bot connected to a scripted IRC server that has read its NICK and answers nothing yet.
struct RegisteringBot {
  Listener server;
  TempDir dir{"katabot-shutdown"};
  Process bot{{KATABOT_BINARY, "--config", write_config(dir, plain_irc(server.port())).string()},
              dir.path() / "katabot.log"};
  std::optional<LineSocket> connection = server.accept(10s);

  RegisteringBot() {
    REQUIRE(connection);
    REQUIRE(connection->wait_for("NICK ", 10s));
  }
};

// Polls the bot's log until `needle` appears.
bool wait_for_log(const std::filesystem::path& log, const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (read_file(log).find(needle) != std::string::npos) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("idle and connected to IRC, SIGTERM sends QUIT and exits 0 within 2 s",
          "[integration][shutdown][irc][hybrid]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  TempDir dir("katabot-shutdown");
  Process bot({KATABOT_BINARY, "--config", write_config(dir, plain_irc(server.port())).string()},
              dir.path() / "katabot.log");
  REQUIRE(member.wait_for([](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" JOIN ") != std::string::npos; }, 20s));

  check_sigterm_exits_in_time(bot);
  CHECK(member.wait_for([](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" QUIT ") != std::string::npos; }, 5s));
}

TEST_CASE("IRC registration in flight with a server that never answers, exit 0 within 2 s",
          "[integration][shutdown][irc]") {
  RegisteringBot registering;
  check_sigterm_exits_in_time(registering.bot);
}

TEST_CASE("IRC waiting to reconnect after refused connections, exit 0 within 2 s",
          "[integration][shutdown][irc]") {
  TempDir dir("katabot-shutdown");
  const auto log = dir.path() / "katabot.log";
  Process bot({KATABOT_BINARY, "--config", write_config(dir, plain_irc(free_port())).string()}, log);
  REQUIRE(wait_for_log(log, "irc: reconnecting in", 10s));

  check_sigterm_exits_in_time(bot);
}

TEST_CASE("an idle keep-alive HTTP client and a slowloris request do not hold the bot, exit 0 within 2 s",
          "[integration][shutdown][http]") {
  TempDir dir("katabot-shutdown");
  const auto http_port = free_port();
  Process bot({KATABOT_BINARY, "--config", write_config(dir, "irc:\n  enabled: false\n", http_port).string()},
              dir.path() / "katabot.log");
  REQUIRE(wait_for_port(http_port));
  LineSocket keep_alive;
  REQUIRE(keep_alive.connect(http_port));
  keep_alive.send_raw("GET /healthz HTTP/1.1\r\nHost: katabot\r\n\r\n");
  REQUIRE(keep_alive.wait_for("HTTP/1.1 200", 5s));
  REQUIRE(keep_alive.wait_for("ok", 5s));  // the whole answer; the connection stays open
  LineSocket slowloris;
  REQUIRE(slowloris.connect(http_port));
  slowloris.send_raw("GET /healthz HTTP/1.1\r\nHost: kata");  // and never the rest

  check_sigterm_exits_in_time(bot);
  CHECK_FALSE(keep_alive.read_line(1s));
  CHECK(keep_alive.closed());
  CHECK_FALSE(slowloris.read_line(1s));
  CHECK(slowloris.closed());
}

TEST_CASE("SIGTERM twice while IRC registers with a silent server, exit 0 within 2 s of the first",
          "[integration][shutdown][irc]") {
  RegisteringBot registering;
  check_sigterm_exits_in_time(registering.bot, 2);
}

TEST_CASE("an IRC server that ignores QUIT does not hold the bot: QUIT is sent, exit 0 within 2 s",
          "[integration][shutdown][irc]") {
  RegisteringBot registering;
  auto& server_side = *registering.connection;
  server_side.send_line(":irc.test 001 katabot :Welcome");
  server_side.send_line(":irc.test 376 katabot :End of /MOTD command.");
  REQUIRE(server_side.wait_for("JOIN ", 10s));

  // The bot says QUIT and waits for the server to close at most irc quit_grace (500 ms), well
  // within the term's graceful close and the app's graceful time.
  check_sigterm_exits_in_time(registering.bot);
  CHECK(server_side.wait_for("QUIT ", 1s));
}
