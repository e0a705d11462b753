// Outgoing text: sanitising, the 512-byte budget with the real prefix, splitting at words and UTF-8
// boundaries, and the flood buckets driven by an injected time.
#include <catch2/catch.hpp>

#include <deque>
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
  using namespace std::string_literals;
  const auto hostile = "hi\r\nQUIT :pwned\0\x01VERSION\x01"s;
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

namespace {

// hybrid's input flood model (packet.c): a client may have 5 lines parsed, each flood_recalc takes 2
// off the count, and more than 2560 unparsed bytes is "Excess Flood". Measured against Debian's
// 8.2.43, flood_recalc runs about every 2 s, so a sustained sender is drained at ~1 line a second.
bool survives_hybrid(const FloodSettings& settings, int lines, std::size_t bytes) {
  auto now = std::chrono::steady_clock::time_point{} + 1h;
  FloodControl flood(settings, now);
  auto next_recalc = now + 2s;
  int parsed = 0;
  std::deque<std::size_t> unparsed;
  std::size_t unparsed_bytes = 0;
  auto parse = [&] {
    while (!unparsed.empty() && parsed < 5) {
      unparsed_bytes -= unparsed.front();
      unparsed.pop_front();
      ++parsed;
    }
  };
  for (int i = 0; i < lines; ++i) {
    now += flood.delay_for(bytes, now);
    flood.consume(bytes, now);
    for (; next_recalc <= now; next_recalc += 2s) {
      parsed = std::max(0, parsed - 2);
      parse();
    }
    unparsed.push_back(bytes);
    unparsed_bytes += bytes;
    parse();
    if (unparsed_bytes > 2560) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("irc flood control: 50 lines stay under hybrid's Excess Flood limit", "[irc][flood]") {
  for (const std::size_t bytes : {60, 200, 450, 512}) {
    INFO(bytes << "-byte lines");
    CHECK(survives_hybrid(FloodSettings{}, 50, bytes));
  }
  // The model is strict enough to catch a pace that the real server punished (0.6 s a line).
  FloodSettings too_fast;
  too_fast.line_interval = 600ms;
  too_fast.bytes_per_second = 1024;
  CHECK_FALSE(survives_hybrid(too_fast, 50, 450));
}
