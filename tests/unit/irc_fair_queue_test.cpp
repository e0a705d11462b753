// The IRC answer queue: per-asker lanes served round robin, caps, and who gives way when it is full.
#include <catch2/catch.hpp>

#include <optional>

#include "bot/irc/fair_queue.hpp"

using katabot::irc::FairQueue;
using katabot::irc::FairQueueLimits;

namespace {

std::vector<std::string> reply(const std::string& who, int number, std::size_t lines) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < lines; ++i) out.push_back(who + " " + std::to_string(number) + "." + std::to_string(i));
  return out;
}

// Sends lines until `line` goes; how many other lines went before it (nullopt if never).
std::optional<std::size_t> slots_before(FairQueue& queue, const std::string& line, std::size_t bound = 1000) {
  for (std::size_t sent = 0; sent < bound && !queue.empty(); ++sent) {
    if (queue.pop().text == line) return sent;
  }
  return std::nullopt;
}

}  // namespace

TEST_CASE("fair queue: a flooder's backlog delays another asker by at most one line", "[irc][fair_queue]") {
  FairQueue queue;
  for (int i = 0; i < 5; ++i) REQUIRE(queue.push("mallory", reply("mallory", i, 4)));
  REQUIRE(queue.size() == 20);
  REQUIRE(queue.push("alice", {"alice answer"}));
  const auto waited = slots_before(queue, "alice answer");
  REQUIRE(waited);
  CHECK(*waited <= 1);
}

TEST_CASE("fair queue: a steady flood inside the rate limit never pushes others back", "[irc][fair_queue]") {
  // The reproduction: a 4-line answer (channel note and 3 notices) every 5 s for one asker, while the
  // bot sends one line per 1.5 s, so that asker's backlog only grows. Time is counted in line slots.
  FairQueue queue;
  std::size_t worst = 0;
  int asked = 0;
  for (int slot = 0; slot < 320; ++slot) {
    if (slot % 3 == 0) queue.push("mallory", reply("mallory", slot, 4));
    if (slot % 40 == 20) {
      const auto answer = "alice " + std::to_string(slot);
      REQUIRE(queue.push("alice", {answer}));
      const auto waited = slots_before(queue, answer);
      REQUIRE(waited);
      worst = std::max(worst, *waited);
      ++asked;
      continue;
    }
    if (!queue.empty()) queue.pop();
  }
  CHECK(asked == 8);
  CHECK(worst <= 1);
}

TEST_CASE("fair queue: one line per asker per round, in arrival order", "[irc][fair_queue]") {
  FairQueue queue;
  queue.push("alice", reply("alice", 0, 3));
  queue.push("bob", reply("bob", 0, 2));
  queue.push("carol", reply("carol", 0, 1));
  std::vector<std::string> sent;
  while (!queue.empty()) sent.push_back(queue.pop().text);
  CHECK(sent == std::vector<std::string>{"alice 0.0", "bob 0.0", "carol 0.0", "alice 0.1", "bob 0.1", "alice 0.2"});
}

TEST_CASE("fair queue: 100 CTCP senders cannot evict others' answers and cost them one slot", "[irc][fair_queue]") {
  FairQueue queue;
  std::vector<bool> delivered;
  queue.push("bob", reply("bob", 0, 3), [&](bool ok) { delivered.push_back(ok); });
  std::size_t ctcp_queued = 0;
  for (int i = 0; i < 100; ++i) ctcp_queued += queue.push_ctcp("NOTICE nick" + std::to_string(i) + " :\x01VERSION katabot\x01");
  CHECK(ctcp_queued == FairQueueLimits{}.ctcp_lines);
  REQUIRE(queue.push("alice", {"alice answer"}, [&](bool ok) { delivered.push_back(ok); }));
  std::vector<std::string> sent;
  while (!queue.empty()) {
    auto line = queue.pop();
    sent.push_back(line.text.substr(0, line.text.find(' ', 7)));
    if (line.done) line.done(true);
  }
  // One line per lane and round: bob's, one CTCP reply, alice's answer, then the rest.
  CHECK(sent == std::vector<std::string>{"bob 0.0", "NOTICE nick0", "alice answer", "bob 0.1", "NOTICE nick1", "bob 0.2"});
  CHECK(delivered == std::vector<bool>{true, true});
}

TEST_CASE("fair queue: CTCP replies count against the total and give way first", "[irc][fair_queue]") {
  FairQueue queue(FairQueueLimits{4, 4, 2});
  REQUIRE(queue.push_ctcp("NOTICE a :\x01VERSION\x01"));
  REQUIRE(queue.push_ctcp("NOTICE b :\x01VERSION\x01"));
  REQUIRE(queue.push("alice", reply("alice", 0, 2)));
  CHECK_FALSE(queue.push_ctcp("NOTICE c :\x01VERSION\x01"));  // full: a CTCP reply never evicts
  REQUIRE(queue.push("bob", reply("bob", 0, 2)));            // both CTCP replies give way
  CHECK(queue.size() == 4);
  std::vector<std::string> sent;
  while (!queue.empty()) sent.push_back(queue.pop().text);
  CHECK(sent == std::vector<std::string>{"alice 0.0", "bob 0.0", "alice 0.1", "bob 0.1"});
}

TEST_CASE("fair queue: when full, the one with most waiting loses their newest reply", "[irc][fair_queue]") {
  FairQueue queue(FairQueueLimits{8, 6, 2});
  std::vector<std::string> outcomes;
  auto record = [&](std::string name) { return [&outcomes, name](bool ok) { outcomes.push_back(name + (ok ? " sent" : " dropped")); }; };
  REQUIRE(queue.push("mallory", reply("mallory", 0, 3), record("mallory 0")));
  REQUIRE(queue.push("mallory", reply("mallory", 1, 3), record("mallory 1")));
  CHECK_FALSE(queue.push("mallory", reply("mallory", 2, 1), record("mallory 2")));  // over the cap per asker
  REQUIRE(queue.push("", reply("reminder", 0, 2), record("reminder")));
  REQUIRE(queue.push("alice", {"alice answer"}, record("alice")));  // full: mallory's newest gives way
  CHECK(outcomes == std::vector<std::string>{"mallory 2 dropped", "mallory 1 dropped"});
  CHECK(queue.size() == 6);
  // The flooder cannot push others out in turn: they have less waiting.
  REQUIRE(queue.push("bob", reply("bob", 0, 2), record("bob")));
  CHECK_FALSE(queue.push("mallory", reply("mallory", 3, 1), record("mallory 3")));
  CHECK(outcomes.back() == "mallory 3 dropped");
  queue.clear();
  CHECK(queue.empty());
  CHECK(outcomes.size() == 7);  // everything waiting learnt it was not sent
}
