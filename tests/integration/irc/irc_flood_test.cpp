// Flood pacing against ircd-hybrid, whose input limits are OFTC's: three members fire 50 commands at
// once; the paced bot answers all of them without "Excess Flood", and the same bot with pacing
// switched off is disconnected (proving the server would notice).
#include <catch2/catch.hpp>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

struct Burst {
  std::size_t replies = 0;
  bool excess_flood = false;
};

Burst fire_commands(HybridServer& server, const IrcTuning& tuning, std::chrono::milliseconds window) {
  std::vector<LineSocket> members;
  for (const auto* nick : {"alice", "bob", "carol"}) members.push_back(connect_member(server.port(), nick, {"#kata-dev"}));
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), tuning);
  REQUIRE(members[0].wait_for(":katabot!", 10s));
  // 50 commands, sent in one go: 17 + 17 + 16.
  for (int i = 0; i < 50; ++i) {
    members[i % 3].send_raw("PRIVMSG #kata-dev :!flood" + std::to_string(i) + "\r\n");
  }
  Burst burst;
  const auto deadline = Clock::now() + window;
  auto& watcher = members[0];
  while (burst.replies < 50 && Clock::now() < deadline) {
    const auto line = watcher.wait_for(
        [](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && (l.find(" PRIVMSG #kata-dev :flood reply") != std::string::npos || l.find(" QUIT ") != std::string::npos); },
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line) break;
    if (line->find(" QUIT ") != std::string::npos) {
      burst.excess_flood = line->find("Excess Flood") != std::string::npos;
      break;
    }
    ++burst.replies;
  }
  return burst;
}

}  // namespace

TEST_CASE("irc hybrid: a burst of 50 commands never gets the paced bot an Excess Flood", "[integration][irc][hybrid][flood]") {
  HybridServer server;
  auto production_pacing = fast_tuning();
  production_pacing.flood = irc::FloodSettings{};
  // 4 at once, then one every 1.5 s: the 50th answer leaves after about 75 s.
  const auto burst = fire_commands(server, production_pacing, 90s);
  CHECK_FALSE(burst.excess_flood);
  CHECK(burst.replies == 50);
}

TEST_CASE("irc hybrid: without pacing the same burst is an Excess Flood (control)", "[integration][irc][hybrid][flood]") {
  HybridServer server;
  auto unpaced = fast_tuning();
  unpaced.flood.burst_lines = 1e6;
  unpaced.flood.burst_bytes = 1e9;
  unpaced.flood.bytes_per_second = 1e9;
  unpaced.flood.line_interval = std::chrono::milliseconds(1);
  const auto burst = fire_commands(server, unpaced, 30s);
  CHECK(burst.excess_flood);
}
