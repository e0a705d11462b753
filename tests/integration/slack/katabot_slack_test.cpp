// The real katabot binary (katabot --config FILE, tokens from SLACK_APP_TOKEN / SLACK_BOT_TOKEN)
// against the fake Slack.
#include <catch2/catch.hpp>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fake_slack.hpp"
#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

constexpr const char* test_app_token = "xapp-1-A1-1-binarysecretapp";
constexpr const char* test_bot_token = "xoxb-1-2-binarysecretbot";

class KatabotProcess {
 public:
  explicit KatabotProcess(const FakeSlack& fake, const std::filesystem::path& ca_file = {}) {
    dir_ = std::filesystem::temp_directory_path() / ("katabot-slack-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(++counter_));
    std::filesystem::create_directories(dir_ / "state");
    const auto config = dir_ / "katabot.yaml";
    std::ofstream(config) << "bot:\n"
                          << "  name: katabot\n"
                          << "  knowledge_dir: " << KATABOT_SOURCE_DIR << "/knowledge\n"
                          << "  state_dir: " << (dir_ / "state").string() << "\n"
                          << "  log_level: debug\n"
                          << "slack:\n"
                          << "  enabled: true\n"
                          << "  app_token: ${SLACK_APP_TOKEN}\n"
                          << "  bot_token: ${SLACK_BOT_TOKEN}\n"
                          << "  api_base: " << fake.api_base() << "\n"
                          << (ca_file.empty() ? std::string() : "  ca_file: " + ca_file.string() + "\n")
                          << "  command: /kata\n"
                          << "irc:\n"
                          << "  enabled: false\n"
                          << "http:\n"
                          << "  listen: \"\"\n";
    log_ = dir_ / "katabot.log";
    pid_ = ::fork();
    if (pid_ == 0) {
      const int fd = ::open(log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("SLACK_APP_TOKEN", test_app_token, 1);
      ::setenv("SLACK_BOT_TOKEN", test_bot_token, 1);
      const std::string config_path = config.string();
      ::execl(KATABOT_BINARY, KATABOT_BINARY, "--config", config_path.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  ~KatabotProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
  // The exit status once the process ended, polling until the deadline.
  std::optional<int> wait_exit(Deadline deadline) {
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return status;
      }
      std::this_thread::sleep_for(10ms);
    }
    return std::nullopt;
  }
  void signal(int number) const { ::kill(pid_, number); }
  // Resident set size in KiB, from /proc.
  long rss_kib() const {
    std::ifstream status("/proc/" + std::to_string(pid_) + "/status");
    for (std::string line; std::getline(status, line);) {
      if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
    }
    return -1;
  }
  bool wait_log(const std::string& text, Deadline deadline) const {
    while (std::chrono::steady_clock::now() < deadline) {
      if (log().find(text) != std::string::npos) return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
  std::string log() const {
    std::ifstream in(log_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

 private:
  static inline int counter_ = 0;
  std::filesystem::path dir_;
  std::filesystem::path log_;
  pid_t pid_ = -1;
  bool exited_ = false;
};

json mention(const std::string& text, const std::string& ts) {
  return {{"type", "app_mention"}, {"channel", "C1"}, {"user", "U2"}, {"text", text}, {"ts", ts}};
}

std::string answer_text(const FakeSlack& fake, const FakeAck& ack, std::size_t response_index) {
  if (ack.payload) return ack.payload->dump();
  const auto responses = fake.calls("response_url");
  return responses.size() > response_index ? responses[response_index].body : std::string();
}

void check_no_tokens(const KatabotProcess& bot) {
  const auto log = bot.log();
  CHECK(log.find("binarysecret") == std::string::npos);
  CHECK(log.find("ticket=t") == std::string::npos);
}

// Whatever the asker typed, the message Slack gets (fallback text and blocks) pings nobody and
// links nowhere: the control sequences arrive as &lt;…&gt; text.
void check_disarmed(const json& message) {
  CAPTURE(message.dump());
  REQUIRE(message.contains("text"));
  REQUIRE(message.contains("blocks"));
  for (const auto* part : {"text", "blocks"}) {
    const auto shown = message[part].dump();
    for (const auto* sequence : {"<!", "<@", "<#", "<https://evil"}) {
      CHECK(shown.find(sequence) == std::string::npos);
    }
  }
}

std::string section_text(const json& message) { return message["blocks"][0]["text"]["text"].get<std::string>(); }

}  // namespace

TEST_CASE("katabot binary: what users type never becomes a mention, a link or formatting on Slack",
          "[slack][binary][escaping]") {
  FakeSlack fake;
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  REQUIRE(fake.wait_calls("auth.test", 1, deadline_in(5s)).size() == 1);
  const auto response_url = "http://127.0.0.1:" + std::to_string(fake.port()) + "/response/";

  // A mention: chat.postMessage.
  fake.send_envelope(event_envelope("x-m1", "EvX1", mention("<@UBOT> next <!channel>", "1700.0201")));
  const auto posts = fake.wait_calls("chat.postMessage", 1, deadline_in(5s));
  REQUIRE(posts.size() == 1);
  const auto post = posts[0].json();
  check_disarmed(post);
  // The words are not a time zone: the answer comes without them (never echoed, see may_echo).
  CHECK(post["text"].get<std::string>().find("channel") == std::string::npos);
  CHECK(section_text(post).find("channel") == std::string::npos);
  CHECK(section_text(post).find("Architecture Committee") != std::string::npos);

  // A new asker's slash command: answered through response_url.
  fake.send_envelope(slash_command_envelope("x-s1", "next <!here>", "U7", "C1", response_url + "1"));
  REQUIRE(fake.wait_ack("x-s1", deadline_in(3s)));
  const auto responses = fake.wait_calls("response_url", 1, deadline_in(5s));
  REQUIRE(responses.size() == 1);
  check_disarmed(responses[0].json());

  // A new asker whose response_url is gone: answered by chat.postEphemeral.
  fake.fail_next("response_url", 404, "expired_url");
  fake.send_envelope(slash_command_envelope("x-s2", "meetings <@U0999>", "U8", "C1", response_url + "2"));
  const auto ephemerals = fake.wait_calls("chat.postEphemeral", 1, deadline_in(5s));
  REQUIRE(ephemerals.size() == 1);
  check_disarmed(ephemerals[0].json());
  CHECK(section_text(ephemerals[0].json()).find("U0999") == std::string::npos);

  // The same asker again: answered in the ack. Mentions, links and formatting are never echoed; a
  // plain word is quoted as inline code.
  const std::vector<std::pair<std::string, std::string>> typed = {
      {"<!everyone>", "!everyone"},
      {"<@U0123|boss>", "U0123"},
      {"help <https://evil.example|click>", "evil.example"},
      {"*loud*_slanted_~struck~", "loud"},
      {"`x", "`x"},
  };
  for (std::size_t i = 0; i < typed.size(); ++i) {
    const auto& [text, absent] = typed[i];
    CAPTURE(text);
    const auto envelope_id = "x-a" + std::to_string(i);
    fake.send_envelope(slash_command_envelope(envelope_id, text, "U7", "C1", response_url + "a"));
    const auto ack = fake.wait_ack(envelope_id, deadline_in(3s));
    REQUIRE(ack);
    REQUIRE(ack->payload);
    check_disarmed(*ack->payload);
    CHECK(section_text(*ack->payload).find(absent) == std::string::npos);
  }
  fake.send_envelope(slash_command_envelope("x-plain", "nosuch_word", "U8", "C1", response_url + "a"));
  const auto plain = fake.wait_ack("x-plain", deadline_in(3s));
  REQUIRE(plain);
  REQUIRE(plain->payload);
  CHECK(section_text(*plain->payload).find("`nosuch_word`") != std::string::npos);
  check_no_tokens(bot);
}

TEST_CASE("katabot binary: commands, mentions, retries, bots and garbage over Socket Mode", "[slack][binary]") {
  FakeSlack fake;
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  REQUIRE(fake.wait_calls("auth.test", 1, deadline_in(5s)).size() == 1);
  CHECK(fake.calls("apps.connections.open").at(0).authorization == std::string("Bearer ") + test_app_token);
  const auto response_url = "http://127.0.0.1:" + std::to_string(fake.port()) + "/response/";

  // /kata meetings: a new asker, so the answer comes through response_url with their time zone.
  fake.send_envelope(slash_command_envelope("b-s1", "meetings", "U7", "C1", response_url + "1"));
  const auto meetings_ack = fake.wait_ack("b-s1", deadline_in(3s));
  REQUIRE(meetings_ack);
  REQUIRE(fake.wait_calls("response_url", 1, deadline_in(5s)).size() == 1);
  CHECK(answer_text(fake, *meetings_ack, 0).find("Architecture Committee") != std::string::npos);

  // /kata conduct: the same asker, answered in the ack.
  fake.send_envelope(slash_command_envelope("b-s2", "conduct", "U7", "C1", response_url + "2"));
  const auto conduct_ack = fake.wait_ack("b-s2", deadline_in(3s));
  REQUIRE(conduct_ack);
  REQUIRE(conduct_ack->payload);
  // The topic itself (its title and its link), not the "There is no command \"conduct\"" reply that also says "conduct".
  const auto conduct_answer = conduct_ack->payload->dump();
  CHECK(conduct_answer.find("*Code of Conduct*") != std::string::npos);
  CHECK(conduct_answer.find("<https://openinfra.dev/legal/code-of-conduct|OpenInfra Foundation Code of Conduct>") !=
        std::string::npos);
  CHECK(conduct_answer.find("There is no command") == std::string::npos);

  // A mention, retried by Slack: answered once, in the thread.
  fake.send_envelope(event_envelope("b-m1", "EvB1", mention("<@UBOT> when is the next meeting?", "1700.0001")));
  fake.send_envelope(event_envelope("b-m2", "EvB1", mention("<@UBOT> when is the next meeting?", "1700.0001"), 1));
  REQUIRE(fake.wait_ack("b-m2", deadline_in(3s)));
  auto posts = fake.wait_calls("chat.postMessage", 1, deadline_in(5s));
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].json()["thread_ts"] == "1700.0001");
  CHECK(posts[0].json()["channel"] == "C1");

  // Our own message and another bot's: acked, never answered.
  auto own = mention("<@UBOT> conduct", "1700.0002");
  own["user"] = "UBOT";
  auto other_bot = mention("<@UBOT> conduct", "1700.0003");
  other_bot["bot_id"] = "B77";
  fake.send_envelope(event_envelope("b-own", "EvOwn", own));
  fake.send_envelope(event_envelope("b-bot", "EvBot", other_bot));

  // Garbage of every kind.
  fake.send_text("not json");
  fake.send_binary(std::string("\x00\xff", 2));
  fake.send_text(std::string(2 * 1024 * 1024, '{'));
  fake.send_text(R"({"envelope_id":"b-g1","type":"events_api"})");

  // 429 on the next post: waits Retry-After, then posts.
  fake.rate_limit_next("chat.postMessage", 1);
  fake.send_envelope(event_envelope("b-m3", "EvB3", mention("<@UBOT> conduct", "1700.0004")));
  REQUIRE(fake.wait_ack("b-g1", deadline_in(3s)));
  posts = fake.wait_calls("chat.postMessage", 3, deadline_in(6s));
  REQUIRE(posts.size() == 3);  // EvB1, the refused one, its retry
  CHECK(posts[2].json()["thread_ts"] == "1700.0004");
  CHECK(fake.ack_count("b-own") == 1);
  CHECK(fake.ack_count("b-bot") == 1);
  CHECK(fake.hellos() == 1);
  std::cout << "katabot RSS with Slack connected: " << bot.rss_kib() << " KiB\n";

  bot.signal(SIGTERM);
  const auto status = bot.wait_exit(deadline_in(5s));
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  CHECK(fake.calls("chat.postMessage").size() == 3);
  check_no_tokens(bot);
}

TEST_CASE("katabot binary: refresh, dropped socket, SIGTERM", "[slack][binary]") {
  FakeSlack fake;
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));

  fake.script_refresh();
  REQUIRE(fake.wait_hellos(2, deadline_in(5s)));
  REQUIRE(fake.wait_open_connections(1, deadline_in(5s)));
  auto connections = fake.connections();
  CHECK(connections[0].closed_by_client);
  CHECK_FALSE(connections[0].closed_by_server);
  CHECK(connections[1].opened < connections[0].closed);

  fake.drop_newest();
  REQUIRE(fake.wait_hellos(3, deadline_in(5s)));
  fake.send_envelope(event_envelope("b-after", "EvAfter", mention("<@UBOT> conduct", "1700.0100")));
  REQUIRE(fake.wait_ack("b-after", deadline_in(3s)));
  CHECK(fake.wait_calls("chat.postMessage", 1, deadline_in(5s)).size() == 1);
  CHECK(fake.tickets_rejected() == 0);

  const auto asked = std::chrono::steady_clock::now();
  bot.signal(SIGTERM);
  const auto status = bot.wait_exit(deadline_in(5s));
  REQUIRE(status);
  const auto took = std::chrono::steady_clock::now() - asked;
  std::cout << "katabot exit after SIGTERM: " << std::chrono::duration<double, std::milli>(took).count() << " ms\n";
  CHECK(took < 5s);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  REQUIRE(fake.wait_open_connections(0, deadline_in(2s)));
  CHECK(fake.connections().back().closed_by_client);
  check_no_tokens(bot);
}

TEST_CASE("katabot binary: https Web API and wss Socket Mode trusting slack.ca_file", "[slack][binary][tls]") {
  TempDir dir("katabot-slack-tls");
  const auto certs = make_test_certificates(dir.path());
  FakeSlack fake(FakeSlackTls{certs.server_cert.string(), certs.server_key.string()});
  REQUIRE(fake.api_base().starts_with("https://"));
  KatabotProcess bot(fake, certs.ca);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  CHECK(fake.tls_handshakes() >= 2);  // the Web API and the WebSocket each came through the TLS front
  CHECK(fake.tls_failures() == 0);

  const auto response_url = "https://127.0.0.1:" + std::to_string(fake.port()) + "/response/";
  fake.send_envelope(slash_command_envelope("tls-s1", "conduct", "U7", "C1", response_url + "1"));
  const auto ack = fake.wait_ack("tls-s1", deadline_in(5s));
  REQUIRE(ack);
  // A first-time asker may be answered through response_url (https as well) after the time zone lookup.
  if (!ack->payload) REQUIRE(fake.wait_calls("response_url", 1, deadline_in(5s)).size() == 1);
  CHECK(answer_text(fake, *ack, 0).find("https://openinfra.dev/legal/code-of-conduct") != std::string::npos);

  bot.signal(SIGTERM);
  const auto status = bot.wait_exit(deadline_in(5s));
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  check_no_tokens(bot);
}

TEST_CASE("katabot binary: a slack certificate for another host name is refused", "[slack][binary][tls]") {
  TempDir dir("katabot-slack-tls");
  const auto certs = make_test_certificates(dir.path());
  FakeSlack fake(FakeSlackTls{certs.wrong_cert.string(), certs.wrong_key.string()});  // DNS:wrong.example only
  KatabotProcess bot(fake, certs.ca);
  REQUIRE(fake.wait_tls_failures(1, deadline_in(10s)));
  CHECK(bot.wait_log("certificate verify failed", deadline_in(5s)));
  // Bounded "nothing happened" window: the bot keeps retrying and must never get through.
  CHECK_FALSE(fake.wait_hellos(1, deadline_in(3s)));
  CHECK(fake.tls_handshakes() == 0);
  CHECK(fake.calls("apps.connections.open").empty());
  CHECK_FALSE(bot.wait_exit(deadline_in(100ms)).has_value());  // still running
  check_no_tokens(bot);
}

namespace {

// SIGTERM and the time until the process exited with status 0.
std::chrono::milliseconds terminate_and_time(KatabotProcess& bot) {
  const auto asked = std::chrono::steady_clock::now();
  bot.signal(SIGTERM);
  const auto status = bot.wait_exit(deadline_in(10s));
  const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - asked);
  INFO(bot.log());
  REQUIRE(status);
  CHECK(WIFEXITED(*status));
  CHECK(WEXITSTATUS(*status) == 0);
  std::cout << "katabot exit after SIGTERM: " << took.count() << " ms\n";
  return took;
}

void ask_for_an_answer(FakeSlack& fake, const std::string& id) {
  fake.send_envelope(event_envelope("b-" + id, "Ev" + id, mention("<@UBOT> conduct", "1700." + id)));
  REQUIRE(fake.wait_ack("b-" + id, deadline_in(5s)));
  REQUIRE(fake.wait_calls("chat.postMessage", 1, deadline_in(5s)).size() == 1);
}

}  // namespace

TEST_CASE("katabot binary: SIGTERM while idle and connected exits 0 within 2 s after a close frame",
          "[slack][binary][sigterm]") {
  FakeSlack fake;
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  CHECK(terminate_and_time(bot) < 2s);
  REQUIRE(fake.wait_open_connections(0, deadline_in(2s)));
  CHECK(fake.connections().back().closed_by_client);
}

TEST_CASE("katabot binary: SIGTERM while chat.postMessage hangs exits 0 within 2 s", "[slack][binary][sigterm]") {
  FakeSlack fake;
  fake.hold_next("chat.postMessage");
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  ask_for_an_answer(fake, "hang");
  CHECK(terminate_and_time(bot) < 2s);
}

TEST_CASE("katabot binary: SIGTERM while users.info hangs exits 0 within 2 s", "[slack][binary][sigterm]") {
  FakeSlack fake;
  fake.hold_next("users.info");
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  fake.send_envelope(event_envelope("b-who", "EvWho", mention("<@UBOT> conduct", "1700.0300")));
  REQUIRE(fake.wait_calls("users.info", 1, deadline_in(5s)).size() == 1);
  CHECK(terminate_and_time(bot) < 2s);
}

TEST_CASE("katabot binary: SIGTERM while every post is answered 429 Retry-After 30 exits 0 within 2 s",
          "[slack][binary][sigterm]") {
  FakeSlack fake;
  fake.rate_limit_next("chat.postMessage", 30, 1000);
  KatabotProcess bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(10s)));
  ask_for_an_answer(fake, "429");
  CHECK(terminate_and_time(bot) < 2s);
  CHECK(fake.calls("chat.postMessage").size() == 1);
}
