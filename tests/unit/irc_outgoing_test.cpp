// Outgoing text: sanitising, the 512-byte budget with the real prefix, splitting at words and UTF-8
// boundaries, and the flood buckets driven by an injected time.
#include <catch2/catch.hpp>

#include <random>

#include "bot/irc/flood_control.hpp"
#include "bot/irc/irc_message.hpp"
#include "bot/irc/outgoing_text.hpp"

using namespace std::chrono_literals;
using katabot::irc::FloodControl;
using katabot::irc::FloodSettings;

namespace {

std::string rejoin(const std::vector<std::string>& pieces) {
  std::string text;
  for (const auto& piece : pieces) text += (text.empty() ? "" : " ") + piece;
  return text;
}

}  // namespace

TEST_CASE("irc sanitizers remove CR, LF, NUL and CTCP markers", "[irc][outgoing]") {
  const std::string hostile("hi\r\nQUIT :pwned\0\x01VERSION\x01", 27);
  CHECK(katabot::irc::sanitize_param(hostile) == "hiQUIT :pwned\x01VERSION\x01");
  CHECK(katabot::irc::sanitize_text(hostile) == "hiQUIT :pwnedVERSION");
  CHECK(katabot::irc::is_valid_middle_param("#kata-dev"));
  CHECK_FALSE(katabot::irc::is_valid_middle_param(""));
  CHECK_FALSE(katabot::irc::is_valid_middle_param(":x"));
  CHECK_FALSE(katabot::irc::is_valid_middle_param("a b"));
}

TEST_CASE("irc text budget leaves room for the relayed prefix", "[irc][outgoing]") {
  const std::string prefix = "katabot!~katabot@127.0.0.1";
  const auto budget = katabot::irc::text_budget(prefix, "PRIVMSG", "#kata-dev");
  const std::string relayed = ":" + prefix + " PRIVMSG #kata-dev :" + std::string(budget, 'x') + "\r\n";
  CHECK(relayed.size() == 512);
  CHECK(katabot::irc::assumed_prefix("katabot", "katabot").size() == 7 + 2 + 7 + 1 + 63);
}

TEST_CASE("irc split cuts at spaces and rejoins to the input", "[irc][outgoing]") {
  const std::string text = "the quick brown fox jumps over the lazy dog";
  const auto pieces = katabot::irc::split_text(text, 10);
  for (const auto& piece : pieces) CHECK(piece.size() <= 10);
  CHECK(pieces.front() == "the quick");
  CHECK(rejoin(pieces) == text);
  CHECK(katabot::irc::split_text("short", 100) == std::vector<std::string>{"short"});
  CHECK(katabot::irc::split_text("", 100).empty());
}

TEST_CASE("irc split never cuts inside a UTF-8 sequence", "[irc][outgoing]") {
  std::string hearts;
  for (int i = 0; i < 200; ++i) hearts += "\xE2\x99\xA5";  // no spaces: forced code-point cuts
  const auto pieces = katabot::irc::split_text(hearts, 100);
  std::string joined;
  for (const auto& piece : pieces) {
    CHECK(piece.size() <= 100);
    CHECK(katabot::irc::is_valid_utf8(piece));
    joined += piece;
  }
  CHECK(joined == hearts);
}

TEST_CASE("irc split property: random UTF-8 words rejoin exactly and fit", "[irc][outgoing]") {
  std::mt19937 random(42);
  const std::vector<std::string> alphabet = {"a", "Z", "\xC3\xA9", "\xE2\x99\xA5", "\xF0\x9F\x98\x80", " "};
  for (int round = 0; round < 300; ++round) {
    std::string text;
    const int length = std::uniform_int_distribution<int>(0, 400)(random);
    for (int i = 0; i < length; ++i) text += alphabet[std::uniform_int_distribution<std::size_t>(0, 5)(random)];
    const auto budget = std::uniform_int_distribution<std::size_t>(4, 120)(random);
    const auto pieces = katabot::irc::split_text(text, budget);
    std::size_t consumed = 0;
    for (const auto& piece : pieces) {
      REQUIRE(piece.size() <= budget);
      REQUIRE(katabot::irc::is_valid_utf8(piece));
      REQUIRE(text.compare(consumed, piece.size(), piece) == 0);
      consumed += piece.size();
      if (consumed < text.size() && text[consumed] == ' ' && &piece != &pieces.back()) ++consumed;
    }
    // Only the single spaces at cut points and trailing whitespace may be lost.
    REQUIRE(text.find_first_not_of(' ', consumed) == std::string::npos);
  }
}

TEST_CASE("irc flood control: burst of four, then one line per 1.5 s", "[irc][flood]") {
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  FloodControl flood(FloodSettings{}, start);
  for (int i = 0; i < 4; ++i) {
    REQUIRE(flood.delay_for(50, start) == 0s);
    flood.consume(50, start);
  }
  const auto wait = flood.delay_for(50, start);
  CHECK(wait > 1400ms);
  CHECK(wait <= 1500ms);
  CHECK(flood.delay_for(50, start + wait) == 0s);
  flood.consume(50, start + wait);
  CHECK(flood.delay_for(50, start + wait + 1s) > 0s);
}

TEST_CASE("irc flood control: the byte budget slows long lines", "[irc][flood]") {
  const auto start = std::chrono::steady_clock::time_point{} + 1h;
  FloodControl flood(FloodSettings{}, start);
  for (int i = 0; i < 3; ++i) {
    REQUIRE(flood.delay_for(512, start) == 0s);
    flood.consume(512, start);
  }
  // Lines are still available but the bytes are not: 512 bytes at 512 B/s.
  CHECK(flood.delay_for(512, start) == 1s);
  CHECK(flood.delay_for(10, start) > 0s);
}

TEST_CASE("irc flood control: simulated 50-line burst stays under hybrid's flood limits", "[irc][flood]") {
  // hybrid parses at most 5 lines at once, then 2 per second, and drops a client with more than
  // 2560 unparsed bytes ("Excess Flood"). Replay our send times against that model.
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  FloodControl flood(FloodSettings{}, now);
  double server_counter = 0;
  auto last_recalc = now;
  std::size_t queued_bytes = 0;
  for (int i = 0; i < 50; ++i) {
    const std::size_t bytes = 400;
    const auto wait = flood.delay_for(bytes, now);
    now += wait;
    flood.consume(bytes, now);
    while (now - last_recalc >= 1s) {
      server_counter = std::max(0.0, server_counter - 2);
      last_recalc += 1s;
    }
    if (server_counter < 5) {
      server_counter += 1;
    } else {
      queued_bytes += bytes;
    }
    REQUIRE(queued_bytes < 2560);
  }
}
