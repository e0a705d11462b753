// Fair output against ircd-hybrid with production pacing: one member floods the bot with multi-line
// commands and a CTCP VERSION while another asks once. The flooder sees every line the bot sends
// (the channel's lines and its own notices), so the other's wait is counted in the bot's lines.
#include <catch2/catch.hpp>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

bool from_bot(const std::string& line) {
  return line.rfind(":katabot!", 0) == 0 &&
         (line.find(" PRIVMSG ") != std::string::npos || line.find(" NOTICE ") != std::string::npos);
}

}  // namespace

TEST_CASE("irc hybrid: a flood by one user delays another's answer by at most a line per other asker",
          "[integration][irc][hybrid][flood]") {
  HybridServer server;
  auto mallory = connect_member(server.port(), "mallory", {"#kata-dev"});
  auto alice = connect_member(server.port(), "alice", {"#kata-dev"});
  auto tuning = fast_tuning();
  tuning.flood = irc::FloodSettings{};  // one line per 1.5 s after a burst of 4
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), tuning);
  REQUIRE(mallory.wait_for(":katabot!", 10s));

  // Six 3-line answers (each a channel note and three notices) and a CTCP reply: 25 lines, 35 s of output.
  std::string flood;
  for (int i = 0; i < 6; ++i) flood += "PRIVMSG #kata-dev :!help\r\n";
  flood += "PRIVMSG katabot :\x01VERSION\x01\r\n";
  mallory.send_raw(flood);
  const auto deadline = Clock::now() + 15s;
  while (bot.inbounds().size() < 6 && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  REQUIRE(bot.inbounds().size() == 6);  // every !help is read: their answers are queued

  alice.send_line("PRIVMSG #kata-dev :!conduct");
  REQUIRE(mallory.wait_for(" PRIVMSG #kata-dev :!conduct", 5s));  // from here on, count the bot's lines
  std::size_t lines_before_answer = 0;
  bool answered = false;
  while (!answered && lines_before_answer < 30) {
    const auto line = mallory.wait_for(from_bot, 10s);
    if (!line) break;
    answered = line->find(" PRIVMSG #kata-dev :Kata Containers follows") != std::string::npos;
    if (!answered) ++lines_before_answer;
  }
  REQUIRE(answered);
  WARN("alice's answer came after " << lines_before_answer << " of the bot's lines (mallory's backlog: 25 lines)");
  // One line already on its way, then at most one of mallory's and one CTCP reply.
  CHECK(lines_before_answer <= 3);
  // Mallory's answers still come, privately: the channel only saw one note per !help.
  CHECK(mallory.wait_for(" NOTICE mallory :Commands:", 10s));
}
