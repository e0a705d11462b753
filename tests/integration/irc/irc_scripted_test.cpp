// The IRC adapter against a scripted fake server, for what real servers rarely produce: OFTC-style
// NickServ identification, REGAIN, SASL, account tags, garbage lines, ERROR, 465 and a dead link.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

// Reads what the bot sent until a line starts with `prefix`; fails the test on timeout.
std::string expect_line(LineSocket& bot, const std::string& prefix, std::chrono::milliseconds timeout = 5s) {
  const auto line = bot.wait_for([&](const std::string& l) { return l.rfind(prefix, 0) == 0; }, timeout);
  INFO("waiting for: " << prefix);
  REQUIRE(line);
  return *line;
}

// No line starting with `prefix` arrives within `window`.
bool stays_silent_about(LineSocket& bot, const std::string& prefix, std::chrono::milliseconds window) {
  return !bot.wait_for([&](const std::string& l) { return l.rfind(prefix, 0) == 0; }, window);
}

// Accepts the bot and completes registration (no CAP), leaving it ready to join.
LineSocket accept_registered(Listener& server, const std::string& nick = "katabot") {
  auto bot = server.accept(5s);
  REQUIRE(bot);
  expect_line(*bot, "USER ");
  bot->send_line(":fake.server 001 " + nick + " :Welcome");
  bot->send_line(":fake.server 005 " + nick + " CASEMAPPING=rfc1459 CHANTYPES=# NICKLEN=30 :are supported");
  bot->send_line(":fake.server 376 " + nick + " :End of MOTD");
  return std::move(*bot);
}

// A registered bot that has joined #kata-dev (its only channel) and is ready.
LineSocket accept_joined(Listener& server, BotRunner& bot) {
  auto link = accept_registered(server);
  expect_line(link, "JOIN #kata-dev");
  link.send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  REQUIRE(bot.wait_ready(2s));
  return link;
}

}  // namespace

TEST_CASE("irc scripted: NickServ identification the OFTC way, before joining", "[integration][irc][scripted]") {
  LogCapture log;
  Listener server;
  auto config = plain_config(server.port(), {"#kata-dev"});
  config.nickserv_password = "s3cret-pw";
  BotRunner bot(config, fast_tuning());
  auto link = server.accept(5s);
  REQUIRE(link);
  CHECK(expect_line(*link, "CAP ") == "CAP LS 302");
  CHECK(expect_line(*link, "NICK ") == "NICK katabot");
  expect_line(*link, "USER katabot 0 * :");
  link->send_line(":fake.server CAP * LS :multi-prefix");
  CHECK(expect_line(*link, "CAP REQ") == "CAP REQ multi-prefix");
  link->send_line(":fake.server CAP katabot ACK :multi-prefix");
  expect_line(*link, "CAP END");
  link->send_line("PING :before-welcome");
  CHECK(expect_line(*link, "PONG") == "PONG before-welcome");
  link->send_line(":fake.server 001 katabot :Welcome");
  link->send_line(":fake.server 376 katabot :End of MOTD");
  CHECK(expect_line(*link, "NICKSERV") == "NICKSERV IDENTIFY s3cret-pw");  // password first, as a server command
  CHECK(stays_silent_about(*link, "JOIN", 500ms));                    // waits for services
  link->send_line(":NickServ!services@services.oftc.net NOTICE katabot :You are successfully identified as katabot.");
  CHECK(expect_line(*link, "JOIN") == "JOIN #kata-dev");
  link->send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  REQUIRE(bot.wait_ready(2s));
  REQUIRE(bot.stop());
  CHECK(log.text().find("irc -> NICKSERV <redacted>") != std::string::npos);
  CHECK(log.text().find("s3cret-pw") == std::string::npos);
}

TEST_CASE("irc scripted: nick in use walks the alt nicks, then REGAINs with the password", "[integration][irc][scripted]") {
  Listener server;
  auto config = plain_config(server.port(), {"#kata-dev"});
  config.nickserv_password = "pw";
  BotRunner bot(config, fast_tuning());
  auto link = server.accept(5s);
  REQUIRE(link);
  expect_line(*link, "USER ");
  link->send_line(":fake.server 433 * katabot :Nickname is already in use");
  CHECK(expect_line(*link, "NICK") == "NICK katabot_");
  link->send_line(":fake.server 436 * katabot_ :Nickname collision");
  CHECK(expect_line(*link, "NICK") == "NICK katabot__");
  link->send_line(":fake.server 001 katabot__ :Welcome");
  link->send_line(":fake.server 376 katabot__ :End of MOTD");
  CHECK(expect_line(*link, "NICKSERV") == "NICKSERV IDENTIFY pw katabot");
  CHECK(expect_line(*link, "NICKSERV") == "NICKSERV REGAIN katabot pw");
  link->send_line(":katabot__!~katabot@127.0.0.1 NICK :katabot");
  link->send_line(":NickServ!services@services.oftc.net NOTICE katabot :You are successfully identified as katabot.");
  expect_line(*link, "JOIN #kata-dev");
  CHECK(bot.call([&] { return bot.adapter().current_nick(); }) == "katabot");
}

TEST_CASE("irc scripted: SASL PLAIN when the server offers it", "[integration][irc][scripted]") {
  Listener server;
  auto config = plain_config(server.port(), {"#kata-dev"});
  config.nickserv_password = "pw";
  BotRunner bot(config, fast_tuning());
  auto link = server.accept(5s);
  REQUIRE(link);
  expect_line(*link, "USER ");
  link->send_line(":fake.server CAP * LS * :multi-prefix account-tag");
  link->send_line(":fake.server CAP * LS :sasl=PLAIN,EXTERNAL message-tags");
  CHECK(expect_line(*link, "CAP REQ") == "CAP REQ :multi-prefix account-tag sasl message-tags");
  link->send_line(":fake.server CAP katabot ACK :multi-prefix account-tag sasl message-tags");
  CHECK(expect_line(*link, "AUTHENTICATE") == "AUTHENTICATE PLAIN");
  link->send_line("AUTHENTICATE +");
  CHECK(expect_line(*link, "AUTHENTICATE") == "AUTHENTICATE a2F0YWJvdABrYXRhYm90AHB3");  // katabot\0katabot\0pw
  link->send_line(":fake.server 900 katabot katabot!k@h katabot :You are now logged in as katabot");
  link->send_line(":fake.server 903 katabot :SASL authentication successful");
  expect_line(*link, "CAP END");
  link->send_line(":fake.server 001 katabot :Welcome");
  link->send_line(":fake.server 376 katabot :End");
  CHECK(expect_line(*link, "JOIN") == "JOIN #kata-dev");  // identified by SASL: no NickServ, no wait
  // The account tag reaches the router.
  link->send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  link->send_line("@account=alice;time=2026-11-27T10:00:00.000Z :alice!~a@host PRIVMSG #kata-dev :!conduct");
  CHECK(expect_line(*link, "PRIVMSG #kata-dev :").find("CODE_OF_CONDUCT") != std::string::npos);
  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 1);
  CHECK(inbounds[0].account == "alice");
}

TEST_CASE("irc scripted: garbage lines never crash or stall the bot", "[integration][irc][scripted]") {
  Listener server;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  auto link = accept_registered(server);
  expect_line(link, "JOIN #kata-dev");
  link.send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  using namespace std::string_literals;
  link.send_raw("\r\n\n\n   \r\n"s + ":\r\n@\r\n@a=b\r\n::::\r\n12 x\r\n\0\0\0\r\n"s + ":fake.server 001\r\n:fake.server 005\r\n" +
                 ":fake.server 474\r\n:x KICK\r\n:x PRIVMSG\r\n:x!y@z PRIVMSG #kata-dev\r\n" + std::string(20000, 'A') +
                 "\r\n@" + std::string(9000, 't') + " :x!y@z PRIVMSG #kata-dev :!conduct\r\n" +
                 ":bob!b@h PRIVMSG #kata-dev :caf\xE9 \xFF\xFE invalid utf-8\r\n" + ":bob!b@h PRIVMSG katabot :\x01\r\n" +
                 ":bob!b@h PRIVMSG katabot :\x01\x01\x01\r\n:fake.server 353 katabot = #kata-dev :@bob katabot\r\n" +
                 ":bob!b@h PRIVMSG #kata-dev :line with a lone \r carriage return\r\n" + ":bob!b@h PRIV");
  link.send_raw("MSG #kata-dev :!con");  // a line split across TCP segments
  std::this_thread::sleep_for(50ms);
  link.send_raw("duct\r\n");
  const auto reply = expect_line(link, "PRIVMSG #kata-dev :");
  CHECK(reply.find("CODE_OF_CONDUCT") != std::string::npos);
  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 3);
  CHECK(inbounds[0].text == "caf\xC3\xA9 \xC3\xBF\xC3\xBE invalid utf-8");  // Latin-1 fallback
  CHECK(inbounds[1].text == "line with a lone \r carriage return");
  CHECK(bot.wait_ready(1s));
  CHECK(bot.metric("katabot_reconnects_total") == 0);
}

TEST_CASE("irc scripted: ERROR ends the link and the bot reconnects with backoff", "[integration][irc][scripted]") {
  Listener server;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  {
    auto link = accept_registered(server);
    expect_line(link, "JOIN #kata-dev");
    link.send_line("ERROR :Closing Link: 127.0.0.1 (Excess Flood)");
  }
  const auto dropped_at = Clock::now();
  auto again = accept_registered(server);
  CHECK(Clock::now() - dropped_at < 2s);  // first retry within 2 s
  CHECK(expect_line(again, "JOIN") == "JOIN #kata-dev");  // the wanted channels are replayed
  CHECK(bot.metric("katabot_reconnects_total") == 1);
}

TEST_CASE("irc scripted: 465 (banned) holds off reconnecting", "[integration][irc][scripted]") {
  Listener server;
  auto tuning = fast_tuning();
  tuning.after_ban = 3s;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), tuning);
  {
    auto link = server.accept(5s);
    REQUIRE(link);
    expect_line(*link, "USER ");
    link->send_line(":fake.server 465 katabot :You are banned from this server");
  }
  CHECK_FALSE(server.accept(1500ms));
  CHECK(server.accept(5s));
}

TEST_CASE("irc scripted: a silent link is pinged, then dropped and reconnected", "[integration][irc][scripted]") {
  Listener server;
  auto tuning = fast_tuning();
  tuning.session.idle_ping = 300ms;
  tuning.session.ping_timeout = 300ms;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), tuning);
  auto link = accept_registered(server);
  expect_line(link, "JOIN #kata-dev");
  const auto ping = expect_line(link, "PING :katabot-", 2s);
  link.send_line(":fake.server PONG fake.server :" + ping.substr(6));
  expect_line(link, "PING :katabot-", 2s);  // answered: the link stays; the next idle period pings again
  // Now stay silent: the bot gives up and reconnects.
  CHECK(server.accept(3s));
}

namespace {

// Starts adapter.post() on the bot's thread; the future holds what it reported.
std::future<PostOutcome> start_post(BotRunner& bot, std::string channel, std::string text) {
  auto result = std::make_shared<std::promise<PostOutcome>>();
  auto future = result->get_future();
  bot.call([&] {
    boost::asio::co_spawn(
        bot.call_executor(),
        [&adapter = bot.adapter(), result, channel = std::move(channel), text = std::move(text)]() -> boost::asio::awaitable<void> {
          Reply reply;
          reply.text = text;
          result->set_value(co_await adapter.post(channel, reply));
        },
        boost::asio::detached);
    return true;
  });
  return future;
}

bool still_waiting(std::future<PostOutcome>& post, std::chrono::milliseconds window) {
  return post.wait_for(window) == std::future_status::timeout;
}

// The receipt PING the bot sends right after a post, read without answering it.
std::string expect_receipt_ping(LineSocket& link) {
  const auto ping = link.read_line(2s);
  REQUIRE(ping);
  REQUIRE(ping->starts_with("PING :katabot-post-"));
  return ping->substr(6);
}

}  // namespace

TEST_CASE("irc scripted: a post made before the JOIN completes goes out once joined, delivered on its receipt",
          "[integration][irc][scripted][post]") {
  Listener server;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  auto link = server.accept(5s);
  REQUIRE(link);
  expect_line(*link, "USER ");
  auto early = start_post(bot, "#kata-dev", "Architecture Committee starts in 15 minutes");
  link->send_line(":fake.server 001 katabot :Welcome");
  link->send_line(":fake.server 376 katabot :End");
  expect_line(*link, "JOIN #kata-dev");
  CHECK(stays_silent_about(*link, "PRIVMSG", 300ms));  // the server would drop it: not joined yet
  CHECK(still_waiting(early, 0ms));
  link->send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  CHECK(expect_line(*link, "PRIVMSG") == "PRIVMSG #kata-dev :Architecture Committee starts in 15 minutes");
  const auto token = expect_receipt_ping(*link);
  CHECK(still_waiting(early, 200ms));  // written is not delivered
  link->send_line(":fake.server PONG fake.server :" + token);
  REQUIRE(early.wait_for(2s) == std::future_status::ready);
  CHECK(early.get().is_delivered());
}

TEST_CASE("irc scripted: a post the server refuses (404) is a failure, not a delivery", "[integration][irc][scripted][post]") {
  Listener server;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  auto link = accept_joined(server, bot);
  auto post = start_post(bot, "#kata-dev", "reminder");
  expect_line(link, "PRIVMSG #kata-dev :reminder");
  const auto token = expect_receipt_ping(link);
  link.send_line(":fake.server 404 katabot #kata-dev :Cannot send to channel (+m)");
  link.send_line(":fake.server PONG fake.server :" + token);
  REQUIRE(post.wait_for(2s) == std::future_status::ready);
  const auto outcome = post.get();
  CHECK(outcome.kind == PostOutcome::Kind::failed);
  CHECK(outcome.reason == "404 #kata-dev: Cannot send to channel (+m)");
}

TEST_CASE("irc scripted: after a kick a post waits for the rejoin, past its wait it says retry later",
          "[integration][irc][scripted][post]") {
  Listener server;
  auto tuning = fast_tuning();
  tuning.post_join_wait = 3s;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), tuning);
  auto link = accept_joined(server, bot);
  link.send_line(":op!o@h KICK #kata-dev katabot :not now");
  CHECK(expect_line(link, "JOIN", 2s) == "JOIN #kata-dev");  // rejoin after kick_rejoin_delay
  auto post = start_post(bot, "#kata-dev", "after the kick");
  CHECK(stays_silent_about(link, "PRIVMSG", 300ms));
  CHECK(still_waiting(post, 0ms));
  link.send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  expect_line(link, "PRIVMSG #kata-dev :after the kick");
  link.send_line(":fake.server PONG fake.server :" + expect_receipt_ping(link));
  REQUIRE(post.wait_for(2s) == std::future_status::ready);
  CHECK(post.get().is_delivered());

  // Kicked again and never let back in (the JOIN gets 474): the post gives up after its wait.
  link.send_line(":op!o@h KICK #kata-dev katabot :stay out");
  expect_line(link, "JOIN #kata-dev", 2s);
  auto refused = start_post(bot, "#kata-dev", "while banned");
  link.send_line(":fake.server 474 katabot #kata-dev :Cannot join channel (+b)");
  REQUIRE(refused.wait_for(5s) == std::future_status::ready);
  const auto outcome = refused.get();
  CHECK(outcome.kind == PostOutcome::Kind::retry_later);
  CHECK(outcome.reason == "not in #kata-dev yet");
  CHECK(stays_silent_about(link, "PRIVMSG", 200ms));
}

TEST_CASE("irc scripted: a post whose link closes before the receipt fails", "[integration][irc][scripted][post]") {
  Listener server;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  {
    auto link = accept_joined(server, bot);
    auto post = start_post(bot, "#kata-dev", "lost");
    expect_line(link, "PRIVMSG #kata-dev :lost");
    expect_receipt_ping(link);
    link.send_line("ERROR :Closing Link");
    REQUIRE(post.wait_for(2s) == std::future_status::ready);
    const auto outcome = post.get();
    CHECK(outcome.kind == PostOutcome::Kind::failed);
    CHECK(outcome.reason == "the link closed before the server confirmed the post");
  }
}

TEST_CASE("irc scripted: a TLS handshake that never completes times out, and stop() is prompt", "[integration][irc][scripted]") {
  Listener server;
  auto config = plain_config(server.port(), {"#kata-dev"});
  config.tls = true;
  auto tuning = fast_tuning();
  tuning.handshake_timeout = 300ms;
  BotRunner bot(config, tuning);
  auto silent = server.accept(5s);  // TCP accepted, but no TLS ever spoken
  REQUIRE(silent);
  CHECK(server.accept(3s));  // gave up on the handshake and tried again
  const auto stopping = Clock::now();
  CHECK(bot.stop(3s));
  CHECK(Clock::now() - stopping < 1s);
}

TEST_CASE("irc scripted: a server without services (421 NICKSERV) gets the JOIN at once, not after the timeout",
          "[integration][irc][scripted]") {
  LogCapture log;
  Listener server;
  auto config = plain_config(server.port(), {"#kata-dev"});
  config.nickserv_password = "pw";
  auto tuning = fast_tuning();
  tuning.session.identify_timeout = 15s;  // production: only "no services" explains a prompt JOIN
  BotRunner bot(config, tuning);
  auto link = accept_registered(server);
  CHECK(expect_line(link, "NICKSERV") == "NICKSERV IDENTIFY pw");
  link.send_line(":fake.server 421 katabot NICKSERV :Unknown command");
  CHECK(expect_line(link, "JOIN", 2s) == "JOIN #kata-dev");
  CHECK(log.text().find("no services on this network") != std::string::npos);
}

TEST_CASE("irc scripted: an account tag is ignored when account-tag was not negotiated", "[integration][irc][scripted]") {
  Listener server;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning());
  auto link = server.accept(5s);
  REQUIRE(link);
  expect_line(*link, "USER ");
  link->send_line(":fake.server CAP * LS :multi-prefix");
  CHECK(expect_line(*link, "CAP REQ") == "CAP REQ multi-prefix");
  link->send_line(":fake.server CAP katabot ACK :multi-prefix");
  expect_line(*link, "CAP END");
  link->send_line(":fake.server 001 katabot :Welcome");
  link->send_line(":fake.server 376 katabot :End");
  expect_line(*link, "JOIN #kata-dev");
  link->send_line(":katabot!~katabot@127.0.0.1 JOIN #kata-dev");
  link->send_line("@account=opsaccount :mallory!~m@host PRIVMSG #kata-dev :!conduct");
  expect_line(*link, "PRIVMSG #kata-dev :");
  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 1);
  CHECK(inbounds[0].account.empty());
}

TEST_CASE("irc scripted: without account-tag an admin command waits for WHOIS (OFTC 307)", "[integration][irc][scripted][whois]") {
  LogCapture log;
  Listener server;
  const auto admin_router = [](const Inbound& inbound) -> std::optional<Reply> {
    Reply reply;
    reply.text = inbound.account == "alice" ? "status for admins: all well" : "Sorry, !status is only for the bot's admins.";
    return reply;
  };
  const auto admin_commands = [](const Inbound& inbound) { return inbound.text == "!status"; };
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning(), admin_router, admin_commands);
  auto link = accept_joined(server, bot);

  link.send_line(":alice!~a@host PRIVMSG #kata-dev :!status");
  CHECK(expect_line(link, "WHOIS") == "WHOIS alice");
  CHECK(stays_silent_about(link, "PRIVMSG", 300ms));  // nothing is answered before services are
  link.send_line(":fake.server 311 katabot alice ~a host * :Alice");
  link.send_line(":fake.server 307 katabot alice :has identified for this nick");
  link.send_line(":fake.server 318 katabot alice :End of /WHOIS list.");
  CHECK(expect_line(link, "PRIVMSG #kata-dev :") == "PRIVMSG #kata-dev :status for admins: all well");

  link.send_line(":mallory!~m@host PRIVMSG #kata-dev :!status");
  CHECK(expect_line(link, "WHOIS") == "WHOIS mallory");
  link.send_line(":fake.server 318 katabot mallory :End of /WHOIS list.");
  CHECK(expect_line(link, "PRIVMSG #kata-dev :") == "PRIVMSG #kata-dev :Sorry, !status is only for the bot's admins.");

  const auto inbounds = bot.inbounds();
  REQUIRE(inbounds.size() == 2);
  CHECK(inbounds[0].account == "alice");
  CHECK(inbounds[1].account.empty());
  CHECK(log.text().find("mallory (~m@host) in #kata-dev is not identified with services") != std::string::npos);
}

TEST_CASE("irc scripted: a server that ignores QUIT is left when quit_grace ends, not at the next tick",
          "[integration][irc][scripted][shutdown]") {
  Listener server;
  auto tuning = fast_tuning();
  tuning.tick = 5s;  // far beyond the grace: only the grace can end the wait in time
  tuning.quit_grace = 300ms;
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), tuning);
  auto link = accept_joined(server, bot);

  const auto stopping = std::chrono::steady_clock::now();
  REQUIRE(bot.stop(3s));
  const auto waited = std::chrono::steady_clock::now() - stopping;
  CHECK(link.wait_for("QUIT ", 1s));
  CHECK(waited >= 300ms);  // it did wait for the server to close
  CHECK(waited < 2s);
}
