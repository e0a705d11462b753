// The IRC adapter against a real ircd-hybrid (OFTC's family) on loopback: joining, every command
// form, private messages, 512-byte lines, CTCP, kick and rejoin, a server restart, nick in use, TLS
// with a test CA (and a wrong-name certificate refused), and flood pacing under a command burst.
#include <catch2/catch.hpp>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

bool from_bot(const std::string& line, const std::string& verb, const std::string& target) {
  return line.rfind(":katabot!", 0) == 0 && line.find(" " + verb + " " + target + " :") != std::string::npos;
}

}  // namespace

TEST_CASE("irc hybrid: joins, answers every command form and private messages", "[integration][irc][hybrid]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev", "#kata-general"});
  BotRunner bot(plain_config(server.port()), fast_tuning());
  REQUIRE(member.wait_for(":katabot!", 10s));
  REQUIRE(bot.wait_ready(10s));
  REQUIRE(member.wait_for([](const std::string& l) { return l.find("JOIN") != std::string::npos && l.find("#kata-general") != std::string::npos; }, 5s));

  member.send_line("PRIVMSG #kata-dev :!conduct");
  const auto conduct = member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "#kata-dev"); }, 5s);
  REQUIRE(conduct);
  CHECK(conduct->find("CODE_OF_CONDUCT.md") != std::string::npos);

  member.send_line("PRIVMSG #kata-general :\x02!meetings\x02");  // formatting is stripped before routing
  const auto meetings = member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "#kata-general"); }, 5s);
  REQUIRE(meetings);
  CHECK(meetings->find("Architecture Committee") != std::string::npos);

  member.send_line("PRIVMSG #kata-dev :katabot: conduct");
  const auto addressed = member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "#kata-dev"); }, 5s);
  REQUIRE(addressed);
  CHECK(addressed->find("Code of Conduct") != std::string::npos);

  member.send_line("PRIVMSG katabot :conduct");
  const auto direct = member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "alice"); }, 5s);
  REQUIRE(direct);
  CHECK(direct->find("CODE_OF_CONDUCT.md") != std::string::npos);

  member.send_line("PRIVMSG #kata-dev :just chatting");  // not for the bot: no answer
  member.send_line("PRIVMSG #kata-dev :!meetings");
  const auto next = member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "#kata-dev"); }, 5s);
  REQUIRE(next);
  CHECK(next->find("Architecture Committee") != std::string::npos);

  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 6);
  CHECK(inbounds[0].platform == Platform::irc);
  CHECK(inbounds[0].kind == InboundKind::channel_line);
  CHECK(inbounds[0].channel == "#kata-dev");
  CHECK(inbounds[0].user_id == "alice");
  CHECK(inbounds[1].text == "!meetings");
  CHECK(inbounds[3].kind == InboundKind::direct_message);
  CHECK(inbounds[3].channel == "alice");
  CHECK(bot.metric("katabot_messages_in_total") == 0);  // the router counts them, once; this test has none
  CHECK(bot.metric("katabot_messages_out_total") >= 5);
  CHECK(bot.metric("katabot_last_connected_timestamp_seconds") > 1.7e9);
  CHECK(bot.stop());
  CHECK(member.wait_for("QUIT", 5s));
}

TEST_CASE("irc hybrid: long answers fit 512 bytes, and go from the channel to the asker by NOTICE",
          "[integration][irc][hybrid]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  REQUIRE(member.wait_for(":katabot!", 10s));
  // A 510-byte line from a user is handled like any other.
  member.send_line("PRIVMSG #kata-dev :!nothing " + std::string(510 - 28, 'x'));
  member.send_line("PRIVMSG #kata-dev :!long");
  std::vector<std::string> channel_lines;
  std::vector<std::string> private_lines;
  const auto from_bot = [](const std::string& l) {
    return l.rfind(":katabot!", 0) == 0 && (l.find(" PRIVMSG ") != std::string::npos || l.find(" NOTICE ") != std::string::npos);
  };
  while (auto line = member.wait_for(from_bot, 8s)) {
    CHECK(line->size() + 2 <= 512);
    (line->find(" PRIVMSG #kata-dev :") != std::string::npos ? channel_lines : private_lines).push_back(*line);
    if (line->find("third line") != std::string::npos) break;
  }
  REQUIRE(channel_lines.size() == 1);
  CHECK(channel_lines.front().find("alice: I've sent you the answer privately") != std::string::npos);
  REQUIRE(private_lines.size() > 2);
  CHECK(private_lines.front().find(" NOTICE alice :") != std::string::npos);
  CHECK(private_lines.back().find("third line") != std::string::npos);
  // The longest lines really use the budget: within a few bytes of 512 with the server's prefix.
  CHECK(private_lines.front().size() + 2 > 480);
}

TEST_CASE("irc hybrid: with a NickServ password on a network without services, the bot joins at once",
          "[integration][irc][hybrid]") {
  LogCapture log;
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  auto config = plain_config(server.port(), {"#kata-dev"});
  config.nickserv_password = "pw";
  auto tuning = fast_tuning();
  tuning.session.identify_timeout = 15s;  // production: only "no services" explains a prompt JOIN
  BotRunner bot(config, tuning);
  CHECK(member.wait_for([](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" JOIN ") != std::string::npos; }, 5s));
  CHECK(log.text().find("no services on this network") != std::string::npos);
}

TEST_CASE("irc hybrid: CTCP VERSION and PING are answered by NOTICE", "[integration][irc][hybrid]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  REQUIRE(member.wait_for(":katabot!", 10s));
  member.send_line("PRIVMSG katabot :\x01VERSION\x01");
  const auto version = member.wait_for(" NOTICE alice :\x01VERSION katabot", 5s);
  REQUIRE(version);
  member.send_line("PRIVMSG katabot :\x01" "ACTION waves\x01");
  member.send_line("PRIVMSG katabot :\x01" "CLIENTINFO\x01");
  // A probe after them: once it is answered, the server has relayed the two CTCPs before it (one
  // connection, in order), so the bot has read them and routed neither.
  member.send_line("PRIVMSG katabot :conduct");
  REQUIRE(member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "alice"); }, 5s));
  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 1);
  CHECK(inbounds[0].text == "conduct");
}

TEST_CASE("irc hybrid: rejoins after a kick, after a delay", "[integration][irc][hybrid]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});  // first in: channel operator
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  REQUIRE(member.wait_for(":katabot!", 10s));
  REQUIRE(bot.wait_ready(5s));
  member.send_line("KICK #kata-dev katabot :testing rejoin");
  const auto kicked_at = Clock::now();
  REQUIRE(member.wait_for(" KICK #kata-dev katabot", 5s));
  REQUIRE(member.wait_for([](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" JOIN") != std::string::npos; }, 5s));
  CHECK(Clock::now() - kicked_at >= 450ms);  // the configured delay, never an instant loop
}

TEST_CASE("irc hybrid: reconnects and rejoins after the server is killed and restarted", "[integration][irc][hybrid]") {
  HybridServer server;
  BotRunner bot(plain_config(server.port()), fast_tuning());
  REQUIRE(bot.wait_ready(10s));
  server.kill_now();
  server.start();
  auto member = connect_member(server.port(), "alice", {});
  REQUIRE(bot.wait_ready(15s));
  CHECK(bot.metric("katabot_reconnects_total") >= 1);
  member.send_line("JOIN #kata-dev");
  REQUIRE(member.wait_for(" 366 ", 5s));
  member.send_line("PRIVMSG #kata-dev :!conduct");
  CHECK(member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "#kata-dev"); }, 5s));
}

TEST_CASE("irc hybrid: takes an alternative nick when its nick is in use, then regains it", "[integration][irc][hybrid]") {
  HybridServer server;
  auto squatter = connect_member(server.port(), "katabot", {"#kata-dev"});
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  REQUIRE(squatter.wait_for(":katabot_!", 10s));
  REQUIRE(bot.wait_ready(5s));
  // In the channel before the nick is free: the bot may regain it as soon as the squatter is gone.
  auto watcher = connect_member(server.port(), "alice", {"#kata-dev"});
  squatter.send_line("QUIT :bye");
  // Without a password the bot retries NICK every regain interval.
  REQUIRE(watcher.wait_for(":katabot_!", 8s));
  CHECK(watcher.seen.back().find("NICK") != std::string::npos);
  const auto deadline = Clock::now() + 2s;  // the bot reads its NICK echo about when the watcher does
  auto nick = [&] { return bot.call([&] { return bot.adapter().current_nick(); }); };
  while (nick() != "katabot" && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  CHECK(nick() == "katabot");
}

TEST_CASE("irc hybrid: TLS with a test CA, and a wrong-name certificate refused", "[integration][irc][hybrid][tls]") {
  TempDir dir("katabot-certs");
  const auto certs = make_test_certificates(dir.path());

  SECTION("the right name and CA: connected over TLS") {
    HybridServer server({true, certs.server_cert, certs.server_key});
    auto member = connect_member(server.port(), "alice", {"#kata-dev"});
    auto config = plain_config(server.tls_port(), {"#kata-dev"});
    config.tls = true;
    config.ca_file = certs.ca.string();
    config.client_cert = certs.client_pem.string();
    BotRunner bot(config, fast_tuning());
    REQUIRE(bot.wait_ready(15s));
    member.send_line("OPER op op");  // hybrid shows certificate fingerprints to operators
    REQUIRE(member.wait_for(" 381 alice ", 5s));
    member.send_line("WHOIS katabot");
    CHECK(member.wait_for(" 671 alice katabot ", 5s));  // RPL_WHOISSECURE: the bot is on TLS
    // RPL_WHOISCERTFP: the bot presented its client certificate (what OFTC's CertFP identifies).
    CHECK(member.wait_for(" 276 alice katabot ", 5s));
    member.send_line("PRIVMSG #kata-dev :!conduct");
    CHECK(member.wait_for([](const std::string& l) { return from_bot(l, "PRIVMSG", "#kata-dev"); }, 5s));
  }
  SECTION("host name mismatch: refused") {
    HybridServer server({true, certs.wrong_cert, certs.wrong_key});
    auto config = plain_config(server.tls_port(), {"#kata-dev"});
    config.tls = true;
    config.ca_file = certs.ca.string();
    BotRunner bot(config, fast_tuning());
    CHECK_FALSE(bot.wait_ready(3s));
    CHECK(bot.metric("katabot_reconnects_total") >= 1);
  }
  SECTION("unknown CA: refused") {
    HybridServer server({true, certs.server_cert, certs.server_key});
    auto config = plain_config(server.tls_port(), {"#kata-dev"});
    config.tls = true;
    BotRunner bot(config, fast_tuning());
    CHECK_FALSE(bot.wait_ready(3s));
  }
  SECTION("tls_verify false: connects despite the wrong name") {
    HybridServer server({true, certs.wrong_cert, certs.wrong_key});
    auto config = plain_config(server.tls_port(), {"#kata-dev"});
    config.tls = true;
    config.tls_verify = false;
    BotRunner bot(config, fast_tuning());
    CHECK(bot.wait_ready(15s));
  }
}
