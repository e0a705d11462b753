// The IRC adapter against inspircd with IRCv3 modules: capabilities negotiated from what the server
// offers, every line tagged (time, msgid, client tags), LINELEN and rfc1459 casemapping from 005.
#include <catch2/catch.hpp>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;

TEST_CASE("irc inspircd: message tags, account-tag negotiation and rfc1459 channel names", "[integration][irc][inspircd]") {
  LogCapture log;
  InspircdServer server;
  // The member creates the channel as #kata{dev}; the bot is configured with #Kata[Dev]: the same
  // channel under rfc1459, so the server's JOIN echo must count as joining it.
  auto member = connect_member(server.port(), "alice", {"#kata{dev}"});
  member.send_line("CAP REQ :message-tags");
  BotRunner bot(plain_config(server.port(), {"#Kata[Dev]"}), fast_tuning());
  REQUIRE(member.wait_for(":katabot!", 10s));
  REQUIRE(bot.wait_ready(5s));
  member.send_line("@+draft/reply=abc;+example.org/x=1\\s2 PRIVMSG #kata{dev} :!conduct");
  const auto reply = member.wait_for([](const std::string& l) { return l.find(":katabot!") != std::string::npos && l.find(" PRIVMSG ") != std::string::npos; }, 5s);
  REQUIRE(reply);
  CHECK(reply->find("CODE_OF_CONDUCT.md") != std::string::npos);
  member.send_line("PRIVMSG katabot :\x01VERSION\x01");
  CHECK(member.wait_for(" NOTICE alice :\x01VERSION katabot", 5s));

  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 1);
  CHECK(inbounds[0].text == "!conduct");
  CHECK(inbounds[0].account.empty());  // no services here: no account to tag
  bot.stop();
  const auto text = log.text();
  CHECK(text.find("CAP REQ :account-tag extended-join message-tags server-time") != std::string::npos);
  CHECK(text.find("@time=") != std::string::npos);  // the server really tagged what the bot parsed
}
