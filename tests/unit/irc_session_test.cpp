// The sans-I/O IRC session: registration, CAP, SASL, NickServ the OFTC way, nick fallbacks,
// ISUPPORT, channels, keepalive and CTCP, driven by byte strings and an injected time.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "bot/irc/line_framer.hpp"
#include "bot/irc/reply_lines.hpp"
#include "bot/irc/session.hpp"

using namespace std::chrono_literals;
using katabot::irc::ChannelRetrySettings;
using katabot::irc::ChannelSet;
using katabot::irc::Session;
using katabot::irc::SessionEvents;
using katabot::irc::SessionSettings;

namespace {

struct Harness {
  explicit Harness(SessionSettings settings = {}, std::vector<std::string> channels = {"#kata-dev", "#kata-general"},
                   ChannelRetrySettings retry = {})
      : channels_(std::move(channels), retry), session(std::move(settings), channels_, now) {
    session.start(events);
  }

  // Feeds server lines; returns the lines the session sent in answer (and forgets older ones).
  std::vector<std::string> feed(std::initializer_list<std::string_view> lines) {
    events = {};
    for (const auto line : lines) session.on_line(line, now, events);
    return sent();
  }
  std::vector<std::string> raw_tick(std::chrono::steady_clock::duration by) {
    events = {};
    now += by;
    session.on_tick(now, events);
    return sent();
  }
  // A tick on a healthy link: keepalive PINGs are answered and left out of the result.
  std::vector<std::string> tick(std::chrono::steady_clock::duration by) {
    auto lines = raw_tick(by);
    std::erase_if(lines, [](const std::string& line) { return line.rfind("PING :katabot-", 0) == 0; });
    SessionEvents pong;
    session.on_line(":srv PONG srv :katabot", now, pong);
    return lines;
  }
  std::vector<std::string> sent() const {
    std::vector<std::string> lines;
    for (const auto& line : events.lines) lines.push_back(line.line);
    return lines;
  }
  std::vector<std::string> start_lines() {
    SessionEvents fresh;
    session.start(fresh);
    std::vector<std::string> lines;
    for (const auto& line : fresh.lines) lines.push_back(line.line);
    return lines;
  }
  void register_plain() {
    feed({":srv CAP * LS :multi-prefix", ":srv CAP katabot ACK :multi-prefix", ":srv 001 katabot :Welcome",
          ":srv 005 katabot CASEMAPPING=rfc1459 CHANTYPES=# NICKLEN=30 :are supported", ":srv 376 katabot :End"});
  }

  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::time_point{} + 1h;
  ChannelSet channels_;
  Session session;
  SessionEvents events;
};

bool has(const std::vector<std::string>& lines, std::string_view line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

}  // namespace

TEST_CASE("irc session opens with CAP LS 302, NICK and USER", "[irc][session]") {
  Harness harness;
  CHECK(harness.start_lines() ==
        std::vector<std::string>{"CAP LS 302", "NICK katabot", "USER katabot 0 * :Kata Containers community bot"});
}

TEST_CASE("irc session requests only offered caps, across a multi-line CAP LS", "[irc][session]") {
  Harness harness;
  CHECK(harness.feed({":srv CAP * LS * :multi-prefix away-notify", ":srv CAP * LS :account-tag sasl=PLAIN"}) ==
        std::vector<std::string>{"CAP REQ :multi-prefix account-tag"});  // no password: no sasl
  CHECK(harness.feed({":srv CAP * ACK :multi-prefix account-tag"}) == std::vector<std::string>{"CAP END"});
  CHECK(harness.session.enabled_caps().count("account-tag"));
}

TEST_CASE("irc session ends CAP when nothing is wanted and tolerates servers without CAP", "[irc][session]") {
  Harness with_nothing;
  CHECK(with_nothing.feed({":srv CAP * LS :away-notify chghost"}) == std::vector<std::string>{"CAP END"});
  Harness without_cap;
  without_cap.feed({":srv 421 * CAP :Unknown command", ":srv 001 katabot :Welcome", ":srv 422 katabot :No MOTD"});
  CHECK(without_cap.session.registered());
  CHECK(has(without_cap.sent(), "JOIN #kata-dev"));
  Harness silent;  // a server that neither answers CAP nor registers: CAP END after the stall bound
  CHECK(silent.tick(31s) == std::vector<std::string>{"CAP END"});
  silent.tick(30s);
  CHECK(silent.events.disconnect.has_value());
}

TEST_CASE("irc session answers PING before registration, urgently", "[irc][session]") {
  Harness harness;
  CHECK(harness.feed({"PING :irc.test.local"}) == std::vector<std::string>{"PONG irc.test.local"});
  CHECK(harness.events.lines.front().urgent);
  CHECK(harness.feed({"PING :a token"}) == std::vector<std::string>{"PONG :a token"});
}

TEST_CASE("irc session joins the configured channels after registration and learns its prefix", "[irc][session]") {
  Harness harness;
  harness.register_plain();
  CHECK(harness.sent() ==
        std::vector<std::string>{"CAP REQ multi-prefix", "CAP END", "JOIN #kata-dev", "JOIN #kata-general"});
  CHECK_FALSE(harness.session.ready());
  harness.feed({":katabot!~katabot@127.0.0.1 JOIN #Kata-Dev", ":KATABOT!~katabot@127.0.0.1 JOIN :#kata-general"});
  CHECK(harness.session.ready());
  CHECK(harness.session.own_prefix() == "katabot!~katabot@127.0.0.1");
}

TEST_CASE("irc session waits for NickServ before joining, and sends the password first", "[irc][session]") {
  SessionSettings settings;
  settings.nickserv_password = "s3cret";
  Harness harness(settings);
  harness.feed({":srv CAP * LS :multi-prefix", ":srv CAP * ACK :multi-prefix"});
  const auto sent = harness.feed({":srv 001 katabot :Welcome", ":srv 376 katabot :End"});
  CHECK(sent == std::vector<std::string>{"NICKSERV IDENTIFY s3cret"});
  CHECK(harness.events.lines.front().secret);
  CHECK(harness.feed({":NickServ!services@services.oftc.net NOTICE katabot :You are successfully identified as katabot."}) ==
        std::vector<std::string>{"JOIN #kata-dev", "JOIN #kata-general"});
  CHECK(harness.session.identified());
}

TEST_CASE("irc session joins at once on a network without services (421, 401, 440)", "[irc][session]") {
  for (const auto* answer : {":srv 421 katabot NICKSERV :Unknown command",
                             ":srv 401 katabot NickServ :No such nick/channel",
                             ":srv 440 katabot NickServ :Services are currently unavailable"}) {
    INFO(answer);
    SessionSettings settings;
    settings.nickserv_password = "s3cret";
    Harness harness(settings);
    harness.register_plain();
    CHECK(has(harness.sent(), "NICKSERV IDENTIFY s3cret"));
    CHECK(harness.feed({answer}) == std::vector<std::string>{"JOIN #kata-dev", "JOIN #kata-general"});
  }
}

TEST_CASE("irc session without services regains its nick with a plain NICK", "[irc][session]") {
  SessionSettings settings;
  settings.nickserv_password = "s3cret";
  settings.alt_nicks = {"katabot_"};
  Harness harness(settings);
  harness.feed({":srv 433 * katabot :Nickname is already in use", ":srv 001 katabot_ :Welcome",
                ":srv 376 katabot_ :End", ":srv 421 katabot_ NICKSERV :Unknown command"});
  CHECK(has(harness.tick(6min), "NICK katabot"));
}

TEST_CASE("irc session trusts the account tag only when account-tag was negotiated", "[irc][session]") {
  Harness only_multi_prefix;
  only_multi_prefix.register_plain();
  only_multi_prefix.feed({"@account=opsaccount :mallory!m@h PRIVMSG #kata-dev :!status"});
  REQUIRE(only_multi_prefix.events.messages.size() == 1);
  CHECK(only_multi_prefix.events.messages[0].account.empty());

  Harness negotiated;
  negotiated.feed({":srv CAP * LS :multi-prefix account-tag", ":srv CAP katabot ACK :multi-prefix account-tag",
                   ":srv 001 katabot :Welcome", ":srv 376 katabot :End"});
  negotiated.feed({"@account=opsaccount :alice!a@h PRIVMSG #kata-dev :!status"});
  REQUIRE(negotiated.events.messages.size() == 1);
  CHECK(negotiated.events.messages[0].account == "opsaccount");
}

namespace {

// A PRIVMSG from `nick`, handed to the session as an admin command waiting for its account.
std::vector<std::string> ask_account(Harness& harness, const std::string& nick, const std::string& text = "!status") {
  harness.events = {};
  katabot::irc::ChatMessage message;
  message.nick = nick;
  message.userhost = "u@h";
  message.target = "#kata-dev";
  message.text = text;
  harness.session.look_up_account(message, harness.now, harness.events);
  return harness.sent();
}

}  // namespace

TEST_CASE("irc session asks WHOIS for an admin command and holds it until 318", "[irc][session][whois]") {
  Harness harness;
  harness.register_plain();
  CHECK(ask_account(harness, "Alice") == std::vector<std::string>{"WHOIS Alice"});
  CHECK(harness.events.messages.empty());  // held until services answer

  SECTION("307: OFTC's 'identified for this nick' makes the nick the account") {
    harness.feed({":srv 311 katabot Alice a h * :Alice", ":srv 307 katabot Alice :has identified for this nick"});
    CHECK(harness.events.messages.empty());  // still waiting for the end of the answer
    harness.feed({":srv 318 katabot Alice :End of /WHOIS list."});
    REQUIRE(harness.events.messages.size() == 1);
    CHECK(harness.events.messages[0].account == "Alice");
    CHECK(harness.events.messages[0].account_checked);
    CHECK(harness.events.messages[0].text == "!status");
  }
  SECTION("330 names the account, which may differ from the nick") {
    harness.feed({":srv 330 katabot alice opsaccount :is logged in as", ":srv 318 katabot alice :End of /WHOIS list."});
    REQUIRE(harness.events.messages.size() == 1);
    CHECK(harness.events.messages[0].account == "opsaccount");
  }
  SECTION("318 alone: not identified, so a bare nick never authorises") {
    harness.feed({":srv 318 katabot Alice :End of /WHOIS list."});
    REQUIRE(harness.events.messages.size() == 1);
    CHECK(harness.events.messages[0].account.empty());
    CHECK(harness.events.messages[0].account_checked);
  }
  SECTION("no 318 within the timeout: released as not identified") {
    harness.feed({":srv 307 katabot Alice :has identified for this nick"});
    CHECK(harness.tick(9s).empty());
    CHECK(harness.events.messages.empty());
    harness.tick(2s);
    REQUIRE(harness.events.messages.size() == 1);
    CHECK(harness.events.messages[0].account.empty());
  }
  SECTION("an answer about someone else changes nothing") {
    harness.feed({":srv 307 katabot mallory :has identified for this nick", ":srv 318 katabot mallory :End"});
    CHECK(harness.events.messages.empty());
  }
}

TEST_CASE("irc session remembers a WHOIS answer for a minute, until NICK or QUIT", "[irc][session][whois]") {
  Harness harness;
  harness.register_plain();
  ask_account(harness, "alice");
  harness.feed({":srv 307 katabot alice :has identified for this nick", ":srv 318 katabot alice :End"});

  CHECK(ask_account(harness, "ALICE").empty());  // casefolded: the same nick, answered from memory
  REQUIRE(harness.events.messages.size() == 1);
  CHECK(harness.events.messages[0].account == "alice");

  SECTION("after a minute services are asked again") {
    harness.tick(61s);
    CHECK(ask_account(harness, "alice") == std::vector<std::string>{"WHOIS alice"});
  }
  SECTION("a QUIT forgets the nick") {
    harness.feed({":alice!a@h QUIT :bye"});
    CHECK(ask_account(harness, "alice") == std::vector<std::string>{"WHOIS alice"});
  }
  SECTION("a NICK forgets both the old and the new nick") {
    harness.feed({":alice!a@h NICK alice_away"});
    CHECK(ask_account(harness, "alice") == std::vector<std::string>{"WHOIS alice"});
  }
}

TEST_CASE("irc session bounds the messages waiting for WHOIS", "[irc][session][whois]") {
  Harness harness;
  harness.register_plain();
  for (int i = 0; i < 16; ++i) CHECK(ask_account(harness, "user" + std::to_string(i)).size() == 1);
  CHECK(ask_account(harness, "one-too-many").empty());  // no WHOIS: released at once, unidentified
  REQUIRE(harness.events.messages.size() == 1);
  CHECK(harness.events.messages[0].account.empty());

  for (int i = 0; i < 3; ++i) CHECK(ask_account(harness, "user0").empty());  // one WHOIS per nick
  CHECK(harness.events.messages.empty());
  ask_account(harness, "user0");  // the fifth from one nick does not wait
  REQUIRE(harness.events.messages.size() == 1);
  CHECK(harness.events.messages[0].account.empty());
}

TEST_CASE("irc session trusts account-tag without asking WHOIS", "[irc][session][whois]") {
  Harness negotiated;
  negotiated.feed({":srv CAP * LS :account-tag", ":srv CAP katabot ACK :account-tag", ":srv 001 katabot :Welcome",
                   ":srv 376 katabot :End"});
  CHECK(ask_account(negotiated, "mallory").empty());
  REQUIRE(negotiated.events.messages.size() == 1);
  CHECK(negotiated.events.messages[0].account.empty());
}

TEST_CASE("irc session joins anyway when identification is not confirmed in time", "[irc][session]") {
  SessionSettings settings;
  settings.has_client_cert = true;
  Harness harness(settings);
  harness.feed({":srv 001 katabot :Welcome", ":srv 376 katabot :End"});
  CHECK(harness.sent().empty());
  CHECK(harness.tick(5s).empty());
  CHECK(has(harness.tick(11s), "JOIN #kata-dev"));

  Harness by_mode(settings);
  by_mode.feed({":srv 001 katabot :Welcome", ":srv 376 katabot :End"});
  CHECK(by_mode.feed({":NickServ!s@services MODE katabot :+R"}).size() == 2);
}

TEST_CASE("irc session walks alt nicks, then generated ones, then regains its nick", "[irc][session]") {
  SessionSettings settings;
  settings.alt_nicks = {"katabot_", "katabot__"};
  settings.nickserv_password = "pw";
  Harness harness(settings);
  CHECK(harness.feed({":srv 433 * katabot :Nickname is already in use"}) == std::vector<std::string>{"NICK katabot_"});
  CHECK(harness.feed({":srv 433 * katabot_ :in use"}) == std::vector<std::string>{"NICK katabot__"});
  const auto generated = harness.feed({":srv 432 * katabot__ :Erroneous"});
  REQUIRE(generated.size() == 1);
  CHECK(generated.front().rfind("NICK katabot", 0) == 0);
  CHECK(generated.front().size() == 5 + 9);
  const auto welcome = harness.feed({":srv 001 katabot42 :Welcome", ":srv 005 katabot42 NICKLEN=30 :are supported",
                                      ":srv 376 katabot42 :End of MOTD"});
  CHECK(welcome == std::vector<std::string>{"NICKSERV IDENTIFY pw katabot", "NICKSERV REGAIN katabot pw"});
  CHECK(harness.events.lines[0].secret);
  CHECK(harness.events.lines[1].secret);
  CHECK(harness.session.nick() == "katabot42");
  const auto later = harness.tick(1min);
  CHECK(std::none_of(later.begin(), later.end(), [](const auto& line) { return line.find("REGAIN") != std::string::npos; }));
  harness.feed({":katabot42!u@h NICK :katabot"});
  CHECK(harness.session.nick() == "katabot");
  CHECK(harness.feed({":srv 433 katabot other :in use"}).empty());  // after registration: ignored
}

TEST_CASE("irc session does not try to regain a nick longer than the server's NICKLEN", "[irc][session]") {
  SessionSettings settings;
  settings.nick = "katabot-community-bot";
  Harness harness(settings);
  harness.feed({":srv 433 * katabot-community-bot :in use"});
  const auto sent = harness.feed({":srv 001 katabot-c10 :Welcome", ":srv 005 katabot-c10 NICKLEN=15 :are supported",
                                  ":srv 376 katabot-c10 :End of MOTD"});
  CHECK(std::none_of(sent.begin(), sent.end(), [](const auto& line) { return line.rfind("NICK ", 0) == 0; }));
}

TEST_CASE("irc session uses ISUPPORT casemapping for channels and itself", "[irc][session]") {
  Harness harness({}, {"#Kata[dev]"});
  harness.register_plain();
  harness.feed({":KataBot!u@h JOIN #kata{dev}"});  // rfc1459: [ ] fold to { }
  CHECK(harness.session.ready());

  Harness ascii({}, {"#Kata[dev]"});
  ascii.feed({":srv 001 katabot :Welcome", ":srv 005 katabot CASEMAPPING=ascii :are supported", ":srv 376 katabot :End"});
  ascii.feed({":katabot!u@h JOIN #kata{dev}"});
  CHECK_FALSE(ascii.session.ready());
  CHECK(ascii.session.support().casemapping == katabot::irc::CaseMapping::ascii);
}

TEST_CASE("irc session rejoins after a kick with a delay and a cap", "[irc][session]") {
  ChannelRetrySettings retry;
  retry.kick_rejoin_delay = 30s;
  retry.max_kick_rejoins_per_hour = 2;
  Harness harness({}, {"#kata-dev"}, retry);
  harness.register_plain();
  harness.feed({":katabot!u@h JOIN #kata-dev"});
  for (int kick = 0; kick < 2; ++kick) {
    CHECK(harness.feed({":op!o@h KICK #kata-dev katabot :out"}).empty());
    CHECK(harness.tick(29s).empty());
    CHECK(harness.tick(1s) == std::vector<std::string>{"JOIN #kata-dev"});
    harness.feed({":katabot!u@h JOIN #kata-dev"});
  }
  harness.feed({":op!o@h KICK #kata-dev katabot :third time"});
  CHECK(harness.tick(10min).empty());
}

TEST_CASE("irc session retries join errors with backoff", "[irc][session]") {
  Harness harness({}, {"#kata-dev"});
  harness.register_plain();
  CHECK(harness.feed({":srv 474 katabot #kata-dev :Cannot join channel (+b)"}).empty());
  CHECK(harness.tick(4min).empty());
  CHECK(harness.tick(1min) == std::vector<std::string>{"JOIN #kata-dev"});
  harness.feed({":srv 474 katabot #kata-dev :Cannot join channel (+b)"});
  CHECK(harness.tick(9min).empty());  // doubled: 10 minutes
  CHECK(harness.tick(1min) == std::vector<std::string>{"JOIN #kata-dev"});
  harness.feed({":srv 477 katabot #kata-dev :You need to identify"});
  CHECK(harness.tick(119s).empty());  // 477 is transient: 30 s, doubled per failure so far
  CHECK(harness.tick(1s) == std::vector<std::string>{"JOIN #kata-dev"});
}

TEST_CASE("irc session pings an idle link and gives up without an answer", "[irc][session]") {
  Harness harness;
  harness.register_plain();
  harness.feed({":katabot!u@h JOIN #kata-dev", ":katabot!u@h JOIN #kata-general"});
  CHECK(harness.raw_tick(59s).empty());
  const auto ping = harness.raw_tick(1s);
  REQUIRE(ping.size() == 1);
  CHECK(ping.front().rfind("PING :katabot-", 0) == 0);
  CHECK(harness.events.lines.front().urgent);
  harness.raw_tick(29s);
  CHECK_FALSE(harness.events.disconnect);
  harness.raw_tick(1s);
  CHECK(harness.events.disconnect);

  Harness answered;
  answered.register_plain();
  answered.raw_tick(60s);
  answered.feed({":srv PONG srv :katabot-1"});
  answered.raw_tick(30s);
  CHECK_FALSE(answered.events.disconnect);
}

TEST_CASE("irc session treats ERROR and 465 as the end of the link", "[irc][session]") {
  Harness error;
  error.feed({"ERROR :Closing Link: 127.0.0.1 (Excess Flood)"});
  CHECK(error.events.disconnect == "server closed the link: Closing Link: 127.0.0.1 (Excess Flood)");
  CHECK_FALSE(error.events.banned);
  Harness banned;
  banned.feed({":srv 465 katabot :You are banned from this server"});
  CHECK(banned.events.banned);
  Harness klined;
  klined.feed({"ERROR :Closing Link: 127.0.0.1 (You have been K-lined)"});
  CHECK(klined.events.banned);
}

TEST_CASE("irc session turns PRIVMSG into chat messages, decoded and stripped", "[irc][session]") {
  Harness harness;
  harness.register_plain();
  harness.feed({"@account=alice;time=2026-01-01T00:00:00Z :alice!~a@host PRIVMSG #kata-dev :\x02!conduct\x02",
                ":bob!b@h PRIVMSG KataBot :caf\xE9 meetings?", ":katabot!u@h PRIVMSG #kata-dev :my own echo",
                ":bob!b@h NOTICE #kata-dev :!conduct"});
  REQUIRE(harness.events.messages.size() == 2);
  const auto& channel = harness.events.messages[0];
  CHECK(channel.text == "!conduct");
  CHECK(channel.account.empty());  // account-tag was not negotiated
  CHECK_FALSE(channel.is_private);
  CHECK(channel.target == "#kata-dev");
  const auto& direct = harness.events.messages[1];
  CHECK(direct.is_private);
  CHECK(direct.text == "caf\xC3\xA9 meetings?");
  CHECK(direct.userhost == "b@h");
}

TEST_CASE("irc session answers CTCP VERSION, PING and TIME by NOTICE, rate-limited", "[irc][session]") {
  SessionSettings settings;
  settings.version_reply = "katabot 1.0";
  Harness harness(settings);
  harness.register_plain();
  CHECK(harness.feed({":bob!b@h PRIVMSG katabot :\x01VERSION\x01"}) ==
        std::vector<std::string>{"NOTICE bob :\x01VERSION katabot 1.0\x01"});
  CHECK(harness.feed({":bob!b@h PRIVMSG katabot :\x01PING 12345\x01"}).empty());  // too soon for bob
  CHECK(harness.feed({":carol!c@h PRIVMSG #kata-dev :\x01PING 12345 x\x01"}) ==
        std::vector<std::string>{"NOTICE carol :\x01PING 12345 x\x01"});
  harness.tick(6s);
  const auto time = harness.feed({":bob!b@h PRIVMSG katabot :\x01TIME\x01"});
  REQUIRE(time.size() == 1);
  CHECK(time.front().rfind("NOTICE bob :\x01TIME ", 0) == 0);
  harness.tick(6s);
  CHECK(harness.feed({":dave!d@h PRIVMSG katabot :\x01" "ACTION waves\x01", ":erin!e@h PRIVMSG katabot :\x01" "DCC SEND x\x01",
                      ":frank!f@h NOTICE katabot :\x01VERSION\x01"})
            .empty());
  CHECK(harness.events.messages.empty());
}

TEST_CASE("irc session answers 100 CTCP senders within one global budget", "[irc][session]") {
  Harness harness;
  harness.register_plain();
  std::size_t answered = 0;
  for (int i = 0; i < 100; ++i) {
    const auto line = ":nick" + std::to_string(i) + "!u@h PRIVMSG katabot :\x01VERSION\x01";
    answered += harness.feed({line}).size();
    for (const auto& sent : harness.events.lines) CHECK(sent.ctcp_reply);
  }
  CHECK(answered == 3);
  harness.tick(10s);
  CHECK(harness.feed({":late!u@h PRIVMSG katabot :\x01VERSION\x01"}).size() == 1);
}

TEST_CASE("irc session survives garbage lines", "[irc][session]") {
  Harness harness;
  harness.register_plain();
  harness.feed({":", "@", "@;;; :x", ":srv 001", ":srv 005", ":srv 353", "PRIVMSG", ":a PRIVMSG", ":a PRIVMSG #c",
                ":srv 474", ":srv KICK", ":srv CAP", ":srv CAP * ACK", "!!!", std::string_view("\xFF\xFE", 2),
                ":srv 396 katabot", "AUTHENTICATE", "ERROR"});
  CHECK(harness.events.messages.empty());
}

TEST_CASE("irc reply lines fit 512 bytes, and answers longer than one line go to the asker by NOTICE", "[irc][reply]") {
  katabot::irc::ReplyAddress address{"katabot!~katabot@127.0.0.1", "#kata-dev", "alice"};
  const std::vector<std::string> rendered = {std::string(1500, 'x'), "second\r\nQUIT", "third", "fourth"};
  const auto lines = katabot::irc::plan_reply_lines(rendered, address);
  REQUIRE(lines.size() >= 4);
  std::size_t channel_lines = 0;
  for (const auto& line : lines) {
    CHECK((":" + address.own_prefix + " " + line + "\r\n").size() <= 512);
    CHECK(line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
    if (line.rfind("PRIVMSG #kata-dev :", 0) == 0) ++channel_lines;
  }
  CHECK(channel_lines == 1);
  CHECK(lines[0] == "PRIVMSG #kata-dev :alice: I've sent you the answer privately (7 lines).");
  CHECK(lines.size() == 8);
  CHECK(lines.back() == "NOTICE alice :fourth");
  CHECK(std::find(lines.begin(), lines.end(), "NOTICE alice :secondQUIT") != lines.end());
  // One line stays in the channel.
  CHECK(katabot::irc::plan_reply_lines({"short answer"}, address) ==
        std::vector<std::string>{"PRIVMSG #kata-dev :short answer"});
  // Announcements have no asker to take the rest: capped in the channel.
  const auto announcement = katabot::irc::plan_reply_lines(rendered, {address.own_prefix, "#kata-dev", ""});
  CHECK(announcement.size() == 3);
  CHECK(announcement.back() == "PRIVMSG #kata-dev :(5 more lines not shown)");

  const auto direct = katabot::irc::plan_reply_lines({":colon", "\x01VERSION\x01"}, {address.own_prefix, "", "alice"});
  CHECK(direct == std::vector<std::string>{"PRIVMSG alice ::colon", "PRIVMSG alice :VERSION"});
  CHECK(katabot::irc::plan_reply_lines({"x"}, {address.own_prefix, "", "bad nick"}).empty());
}

TEST_CASE("irc reply lines: a capped reply is exactly the cap, the note included", "[irc][reply]") {
  const std::string prefix = "katabot!~katabot@127.0.0.1";
  const std::vector<std::string> four = {"one", "two", "three", "four"};
  // An announcement: 3 lines in the channel, the last one the note.
  CHECK(katabot::irc::plan_reply_lines(four, {prefix, "#kata-dev", ""}) ==
        std::vector<std::string>{"PRIVMSG #kata-dev :one", "PRIVMSG #kata-dev :two",
                                 "PRIVMSG #kata-dev :(2 more lines not shown)"});
  // Exactly at the cap: everything, no note.
  CHECK(katabot::irc::plan_reply_lines({"one", "two", "three"}, {prefix, "#kata-dev", ""}).size() == 3);
  // A private answer: 15 lines, 14 of text and the note for the other 6.
  const std::vector<std::string> twenty(20, "line");
  const auto direct = katabot::irc::plan_reply_lines(twenty, {prefix, "", "alice"});
  REQUIRE(direct.size() == 15);
  CHECK(direct[13] == "PRIVMSG alice :line");
  CHECK(direct.back() == "PRIVMSG alice :(6 more lines not shown)");
}

TEST_CASE("irc framer and session survive random bytes", "[irc][session][robustness]") {
  std::mt19937 random(7);
  Harness harness;
  harness.register_plain();
  katabot::irc::LineFramer framer(600);
  const std::string interesting = std::string("\r\n\0\x01\x02\x03: @;=!#,\\ \xFF\xC3", 18) + "PRIVMSGKICKJOIN001433005CAP";
  for (int round = 0; round < 20000; ++round) {
    std::string bytes;
    const auto length = std::uniform_int_distribution<int>(0, 80)(random);
    for (int i = 0; i < length; ++i) {
      bytes += std::uniform_int_distribution<int>(0, 3)(random) == 0
                   ? static_cast<char>(std::uniform_int_distribution<int>(0, 255)(random))
                   : interesting[std::uniform_int_distribution<std::size_t>(0, interesting.size() - 1)(random)];
    }
    framer.feed(bytes);
    while (auto line = framer.next_line()) {
      SessionEvents events;
      harness.session.on_line(*line, harness.now, events);
      for (const auto& out : events.lines) {
        REQUIRE(out.line.find_first_of(std::string_view("\r\n\0", 3)) == std::string::npos);
        REQUIRE(out.line.size() <= 510);
      }
    }
  }
}

TEST_CASE("irc session can post to its channels only once joined, and not after a kick", "[irc][session][post]") {
  Harness harness;
  CHECK_FALSE(harness.session.can_post_to("#kata-dev"));  // not even registered
  harness.register_plain();
  CHECK_FALSE(harness.session.can_post_to("#kata-dev"));  // JOIN sent, not answered
  CHECK(harness.session.can_post_to("#elsewhere"));       // not one of ours: the server decides
  harness.feed({":katabot!~katabot@host JOIN #Kata-Dev"});
  CHECK(harness.events.joined == std::vector<std::string>{"#Kata-Dev"});
  CHECK(harness.session.can_post_to("#kata-dev"));
  CHECK_FALSE(harness.session.can_post_to("#kata-general"));
  harness.feed({":op!o@h KICK #kata-dev katabot :out"});
  CHECK_FALSE(harness.session.can_post_to("#kata-dev"));
}

TEST_CASE("irc session confirms a post by the PONG to the PING sent after it", "[irc][session][post]") {
  Harness harness;
  harness.register_plain();
  harness.feed({":katabot!~katabot@host JOIN #kata-dev"});
  const auto first = harness.session.track_post("#kata-dev", harness.now);
  const auto second = harness.session.track_post("#Kata-Dev", harness.now);
  REQUIRE(first);
  REQUIRE(second);
  CHECK(first->ping_line == "PING :katabot-post-" + std::to_string(first->id));
  CHECK(first->ping_line != second->ping_line);

  harness.feed({":srv PONG srv :katabot-1"});  // a keepalive PONG settles nothing
  CHECK(harness.events.receipts.empty());
  harness.feed({":srv PONG srv :" + first->ping_line.substr(6)});
  REQUIRE(harness.events.receipts.size() == 1);
  CHECK(harness.events.receipts[0].id == first->id);
  CHECK_FALSE(harness.events.receipts[0].failure);
  harness.feed({":srv PONG srv :" + second->ping_line.substr(6)});
  REQUIRE(harness.events.receipts.size() == 1);
  CHECK(harness.events.receipts[0].id == second->id);
}

TEST_CASE("irc session fails a post the server refused before its receipt", "[irc][session][post]") {
  for (const auto* refusal : {":srv 404 katabot #kata-dev :Cannot send to channel", ":srv 442 katabot #KATA-DEV :You're not on that channel",
                              ":srv 403 katabot #kata-dev :No such channel", ":srv 401 katabot #kata-dev :No such nick/channel"}) {
    INFO(refusal);
    Harness harness;
    harness.register_plain();
    const auto other = harness.session.track_post("#kata-general", harness.now);
    const auto refused = harness.session.track_post("#kata-dev", harness.now);
    const auto next = harness.session.track_post("#kata-dev", harness.now);
    REQUIRE((refused && next && other));
    // A two-line post refused twice: both refusals belong to it, not to the post after it, nor to
    // an older post to another channel.
    harness.feed({refusal, refusal, ":srv PONG srv :" + other->ping_line.substr(6),
                  ":srv PONG srv :" + refused->ping_line.substr(6), ":srv PONG srv :" + next->ping_line.substr(6)});
    REQUIRE(harness.events.receipts.size() == 3);
    CHECK_FALSE(harness.events.receipts[0].failure);
    REQUIRE(harness.events.receipts[1].failure);
    CHECK(harness.events.receipts[1].failure->starts_with(std::string(refusal).substr(5, 3) + " #"));
    CHECK_FALSE(harness.events.receipts[2].failure);
  }
}

TEST_CASE("irc session gives up on a receipt that never comes, and bounds the posts waiting", "[irc][session][post]") {
  SessionSettings settings;
  settings.post_receipt_timeout = 30s;
  settings.max_posts_unconfirmed = 2;
  Harness harness(settings);
  harness.register_plain();
  const auto post = harness.session.track_post("#kata-dev", harness.now);
  REQUIRE(post);
  REQUIRE(harness.session.track_post("#kata-dev", harness.now));
  CHECK_FALSE(harness.session.track_post("#kata-dev", harness.now));  // full: the caller retries later
  harness.tick(29s);
  CHECK(harness.events.receipts.empty());
  harness.raw_tick(2s);
  REQUIRE(harness.events.receipts.size() == 2);
  CHECK(harness.events.receipts[0].id == post->id);
  CHECK(harness.events.receipts[0].failure == std::optional<std::string>("no answer from the server in time"));
  CHECK(harness.session.track_post("#kata-dev", harness.now));
}

TEST_CASE("irc session ignores another replica on our configured, alternate or generated nick", "[irc][session]") {
  // After a failover a stale session may still hold `katabot` while this one is `katabot_`: neither
  // may answer the other's reminder text ("agenda" is a keyword).
  SessionSettings settings;
  settings.alt_nicks = {"katabot_", "kata-bot"};
  Harness harness(settings);
  harness.feed({":srv CAP * LS :multi-prefix", ":srv CAP katabot ACK :multi-prefix", ":srv 433 * katabot :in use",
                ":srv 001 katabot_ :Welcome", ":srv 376 katabot_ :End"});
  REQUIRE(harness.session.nick() == "katabot_");
  harness.feed({":KataBot!u@h PRIVMSG #kata-dev :AC meeting in 1 hour, agenda: https://etherpad",
                ":kata-bot!u@h PRIVMSG #kata-dev :agenda", ":katabot42!u@h PRIVMSG #kata-dev :agenda",
                ":katabot!u@h PRIVMSG katabot_ :\x01VERSION\x01", ":katabotx!u@h PRIVMSG #kata-dev :agenda",
                ":katabot123!u@h PRIVMSG #kata-dev :agenda"});
  REQUIRE(harness.events.messages.size() == 2);
  CHECK(harness.events.messages[0].nick == "katabotx");
  CHECK(harness.events.messages[1].nick == "katabot123");
  CHECK(harness.sent().empty());  // no CTCP answer to ourselves
}
