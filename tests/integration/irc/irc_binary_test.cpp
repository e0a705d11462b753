// The real katabot binary, with the real router and knowledge base, against ircd-hybrid.
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot::test;

namespace {

// Resident set size of a process in kB, from /proc.
long rss_kb(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

// A configuration for the binary: the source tree's knowledge base, plain IRC on `port`, no HTTP.
std::filesystem::path write_config(const TempDir& dir, const std::string& bot_name, std::uint16_t port,
                                   const std::string& irc_lines) {
  const auto config = dir.path() / "katabot.yaml";
  std::ofstream(config) << "bot:\n"
                           "  name: " << bot_name << "\n"
                           "  knowledge_dir: " KATABOT_SOURCE_DIR "/knowledge\n"
                           "  state_dir: " << (dir.path() / "state").string() << "\n"
                           "irc:\n"
                           "  enabled: true\n"
                           "  host: 127.0.0.1\n"
                           "  port: " << port << "\n"
                           "  tls: false\n" << irc_lines <<
                           "http:\n"
                           "  listen: \"\"\n";
  return config;
}

}  // namespace

TEST_CASE("irc binary: katabot --config answers !conduct, addressed lines and private messages on ircd-hybrid",
          "[integration][irc][hybrid][binary]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev", "#kata-general"});
  TempDir dir("katabot-binary");
  const auto config = write_config(dir, "katabot", server.port(),
                                   "  nick: katabot\n"
                                   "  alt_nicks: [katabot_]\n"
                                   "  channels: [\"#kata-dev\", \"#kata-general\"]\n"
                                   "  reminder_channels: [\"#kata-dev\"]\n");
  Process bot({KATABOT_BINARY, "--config", config.string()}, dir.path() / "katabot.log");
  REQUIRE(member.wait_for([](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find("JOIN") != std::string::npos && l.find("#kata-general") != std::string::npos; }, 20s));

  auto reply_in = [&](const std::string& target) {
    return member.wait_for([&](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" PRIVMSG " + target + " :") != std::string::npos; }, 5s);
  };
  member.send_line("PRIVMSG #kata-dev :!conduct");
  const auto conduct = reply_in("#kata-dev");
  REQUIRE(conduct);
  CHECK(conduct->find("https://openinfra.dev/legal/code-of-conduct") != std::string::npos);

  member.send_line("PRIVMSG #kata-general :katabot: conduct");
  const auto addressed = reply_in("#kata-general");
  REQUIRE(addressed);
  CHECK(addressed->find("code-of-conduct") != std::string::npos);

  member.send_line("PRIVMSG katabot :coc");
  const auto direct = reply_in("alice");
  REQUIRE(direct);
  CHECK(direct->find("code-of-conduct") != std::string::npos);

  member.send_line("PRIVMSG #kata-dev :!meetings");
  CHECK(reply_in("#kata-dev"));

  const auto rss = rss_kb(bot.pid());
  WARN("katabot RSS while connected to IRC: " << rss << " kB (goal <= 12288 kB)");
  CHECK(bot.terminate(5000ms) == 0);
  CHECK(member.wait_for(":katabot!", 5s));  // its QUIT
}

TEST_CASE("irc binary: irc.nick defaults to bot.name, and the bot answers to its fallback nick",
          "[integration][irc][hybrid][binary]") {
  HybridServer server;
  auto squatter = connect_member(server.port(), "kbot", {});
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  TempDir dir("katabot-binary");
  // No irc.nick: it comes from bot.name.
  const auto config = write_config(dir, "kbot", server.port(), "  alt_nicks: [kbot_]\n  channels: [\"#kata-dev\"]\n");
  Process bot({KATABOT_BINARY, "--config", config.string()}, dir.path() / "katabot.log");
  // "kbot" is taken, so the bot is kbot_ (not "katabot": irc.nick comes from bot.name).
  REQUIRE(member.wait_for([](const std::string& l) { return l.rfind(":kbot_!", 0) == 0 && l.find(" JOIN ") != std::string::npos; }, 20s));
  member.send_line("PRIVMSG #kata-dev :kbot_: conduct");
  const auto reply = member.wait_for([](const std::string& l) { return l.rfind(":kbot_!", 0) == 0 && l.find(" PRIVMSG #kata-dev :") != std::string::npos; }, 5s);
  REQUIRE(reply);
  CHECK(reply->find("code-of-conduct") != std::string::npos);
  CHECK(bot.terminate(5000ms) == 0);
}
