// SIGHUP makes the running binary reload its knowledge base: a broken topics.yaml is reported and the
// bot keeps answering from the old one; once fixed, the next SIGHUP brings the new topic in.
#include <catch2/catch.hpp>

#include <csignal>
#include <fstream>
#include <thread>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot::test;

namespace {

void write_file(const std::filesystem::path& file, const std::string& text) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << text;
}

// Sends SIGHUP and waits until the log holds one more `marker` than before.
bool reload_and_wait(const Process& bot, const std::filesystem::path& log, const std::string& marker) {
  auto count = [&] {
    const auto text = read_file(log);
    std::size_t found = 0;
    for (auto at = text.find(marker); at != std::string::npos; at = text.find(marker, at + 1)) ++found;
    return found;
  };
  const auto before = count();
  ::kill(bot.pid(), SIGHUP);
  const auto deadline = Clock::now() + 10s;
  while (Clock::now() < deadline) {
    if (count() > before) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

}  // namespace

TEST_CASE("reload binary: SIGHUP keeps answering on a broken topics.yaml and brings in the fixed one",
          "[integration][reload][hybrid][binary]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  TempDir dir("katabot-reload");
  const auto knowledge = dir.path() / "knowledge";
  std::filesystem::create_directories(knowledge);
  const auto good_topics = read_file(KATABOT_SOURCE_DIR "/knowledge/topics.yaml");
  write_file(knowledge / "topics.yaml", good_topics);
  write_file(knowledge / "meetings.yaml", read_file(KATABOT_SOURCE_DIR "/knowledge/meetings.yaml"));
  const auto config = dir.path() / "katabot.yaml";
  std::ofstream(config) << "bot:\n"
                           "  name: katabot\n"
                           "  knowledge_dir: " << knowledge.string() << "\n"
                           "  state_dir: " << (dir.path() / "state").string() << "\n"
                           "  log_level: info\n"
                           "slack:\n"
                           "  enabled: false\n"
                           "irc:\n"
                           "  enabled: true\n"
                           "  host: 127.0.0.1\n"
                           "  port: " << server.port() << "\n"
                           "  tls: false\n"
                           "  nick: katabot\n"
                           "  channels: [\"#kata-dev\"]\n"
                           "http:\n"
                           "  listen: \"\"\n";
  const auto log = dir.path() / "katabot.log";
  Process bot({KATABOT_BINARY, "--config", config.string()}, log);
  const bool joined =
      member.wait_for([](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" JOIN") != std::string::npos; }, 20s)
          .has_value();
  INFO("katabot log:\n" << read_file(log));
  REQUIRE(joined);
  auto ask = [&](const std::string& line) {
    member.send_line("PRIVMSG #kata-dev :" + line);
    const auto reply = member.wait_for(
        [](const std::string& l) { return l.rfind(":katabot!", 0) == 0 && l.find(" PRIVMSG #kata-dev :") != std::string::npos; }, 5s);
    return reply.value_or("");
  };
  const auto new_topic = read_file(KATABOT_SOURCE_DIR "/tests/data/reload-check-topic.yaml");
  const std::string conduct_link = "https://openinfra.dev/legal/code-of-conduct";
  const std::string new_summary = "This topic only exists after a successful reload.";

  // A second `conduct` topic: valid YAML, invalid knowledge.
  write_file(knowledge / "topics.yaml", good_topics + "\n  - id: conduct\n    title: Again\n    summary: \"dup\"\n" + new_topic);
  REQUIRE(reload_and_wait(bot, log, "reload failed; the previous knowledge base stays in use"));
  CHECK(read_file(log).find((knowledge / "topics.yaml").string() + ":") != std::string::npos);
  CHECK_THAT(ask("!conduct"), Catch::Contains(conduct_link));
  CHECK_THAT(ask("!reload-check"), !Catch::Contains(new_summary));

  write_file(knowledge / "topics.yaml", good_topics + new_topic);
  REQUIRE(reload_and_wait(bot, log, "reloaded: "));
  CHECK_THAT(ask("!reload-check"), Catch::Contains(new_summary));
  CHECK_THAT(ask("!conduct"), Catch::Contains(conduct_link));
  CHECK(bot.terminate(5000ms) == 0);
}
