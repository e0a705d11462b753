// The IRC parser and serializer against the ircdocs parser-tests vectors (read at run time), plus
// the hostile inputs a server or a user can send.
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>

#include <yaml-cpp/yaml.h>

#include "bot/irc/irc_message.hpp"
#include "bot/irc/line_framer.hpp"

using katabot::irc::CaseMapping;
using katabot::irc::LineFramer;
using katabot::irc::Message;

namespace {

YAML::Node load_vectors(const char* file) {
  const auto path = std::filesystem::path(KATABOT_VECTORS_DIR) / "irc-parser-tests" / file;
  REQUIRE(std::filesystem::exists(path));
  auto tests = YAML::LoadFile(path.string())["tests"];
  REQUIRE(tests.size() > 0);
  return tests;
}

std::map<std::string, std::string> expected_tags(const YAML::Node& atoms) {
  std::map<std::string, std::string> tags;
  if (atoms["tags"]) {
    for (const auto& tag : atoms["tags"]) tags[tag.first.as<std::string>()] = tag.second.as<std::string>();
  }
  return tags;
}

std::vector<std::string> expected_params(const YAML::Node& atoms) {
  std::vector<std::string> params;
  if (atoms["params"]) {
    for (const auto& param : atoms["params"]) params.push_back(param.as<std::string>());
  }
  return params;
}

Message message_from_atoms(const YAML::Node& atoms) {
  Message message;
  if (atoms["tags"]) {
    for (const auto& tag : atoms["tags"]) {
      message.tags.emplace_back(tag.first.as<std::string>(), tag.second.IsNull() ? "" : tag.second.as<std::string>());
    }
  }
  if (atoms["source"]) message.source = atoms["source"].as<std::string>();
  message.verb = atoms["verb"].as<std::string>();
  message.params = expected_params(atoms);
  return message;
}

std::vector<std::string> parse_stream(LineFramer& framer) {
  std::vector<std::string> lines;
  while (auto line = framer.next_line()) lines.push_back(*line);
  return lines;
}

}  // namespace

TEST_CASE("irc parser splits every msg-split vector", "[irc][parser]") {
  for (const auto& test : load_vectors("msg-split.yaml")) {
    const auto input = test["input"].as<std::string>();
    const auto atoms = test["atoms"];
    INFO(input);
    const auto message = katabot::irc::parse_message(input);
    REQUIRE(message);
    CHECK(message->verb == atoms["verb"].as<std::string>());
    CHECK(message->source == (atoms["source"] ? atoms["source"].as<std::string>() : std::string{}));
    CHECK(message->params == expected_params(atoms));
    const std::map<std::string, std::string> tags(message->tags.begin(), message->tags.end());
    CHECK(tags == expected_tags(atoms));
  }
}

TEST_CASE("irc serializer produces one of the msg-join matches", "[irc][parser]") {
  for (const auto& test : load_vectors("msg-join.yaml")) {
    const auto message = message_from_atoms(test["atoms"]);
    const auto line = katabot::irc::serialize(message);
    INFO(test["desc"].as<std::string>() << ": " << line);
    bool matched = false;
    for (const auto& candidate : test["matches"]) matched = matched || candidate.as<std::string>() == line;
    CHECK(matched);
    // And what we write reads back as the same atoms.
    const auto reparsed = katabot::irc::parse_message(line);
    REQUIRE(reparsed);
    CHECK(reparsed->params == message.params);
    CHECK(reparsed->tags == message.tags);
  }
}

TEST_CASE("irc userhost split matches every userhost-split vector", "[irc][parser]") {
  for (const auto& test : load_vectors("userhost-split.yaml")) {
    const auto source = test["source"].as<std::string>();
    const auto atoms = test["atoms"];
    INFO(source);
    const auto parts = katabot::irc::split_userhost(source);
    CHECK(parts.nick == (atoms["nick"] ? atoms["nick"].as<std::string>() : ""));
    CHECK(parts.user == (atoms["user"] ? atoms["user"].as<std::string>() : ""));
    CHECK(parts.host == (atoms["host"] ? atoms["host"].as<std::string>() : ""));
  }
}

TEST_CASE("irc parser rejects lines without a usable verb", "[irc][parser]") {
  CHECK_FALSE(katabot::irc::parse_message(""));
  CHECK_FALSE(katabot::irc::parse_message(":onlysource"));
  CHECK_FALSE(katabot::irc::parse_message("@a=b"));
  CHECK_FALSE(katabot::irc::parse_message("@a=b :src"));
  CHECK_FALSE(katabot::irc::parse_message("12 foo"));
  CHECK_FALSE(katabot::irc::parse_message("PRIV-MSG #c :x"));
  CHECK_FALSE(katabot::irc::parse_message(std::string("@") + std::string(9000, 'a') + " PING"));
  CHECK(katabot::irc::parse_message("privmsg #c :hi")->command() == "PRIVMSG");
}

TEST_CASE("irc numerics with odd parameter counts read as empty params", "[irc][parser]") {
  const auto message = katabot::irc::parse_message(":server 433");
  REQUIRE(message);
  CHECK(message->param(0).empty());
  CHECK(message->param(5).empty());
  const auto many = katabot::irc::parse_message(":s 005 me a b c d e f g h i j k l m n o p q r :are supported");
  REQUIRE(many);
  CHECK(many->params.size() == 20);
}

TEST_CASE("irc line framer handles CRLF, bare LF, lone CR, NUL and empty lines", "[irc][framer]") {
  LineFramer framer;
  using namespace std::string_literals;
  framer.feed("PING :a\r\nPING :b\n\r\n\n   \r\nPRIVMSG #c :x\ry\r\nPRIV"s);
  framer.feed("MSG #c :n\0ul\r\n"s);
  CHECK(parse_stream(framer) == std::vector<std::string>{"PING :a", "PING :b", "PRIVMSG #c :x\ry", "PRIVMSG #c :nul"});
}

TEST_CASE("irc line framer waits for the line end, byte by byte", "[irc][framer]") {
  LineFramer framer;
  const std::string input = ":nick!u@h PRIVMSG #kata-dev :!conduct\r\n";
  std::vector<std::string> lines;
  for (const char c : input) {
    framer.feed(std::string_view(&c, 1));
    for (auto& line : parse_stream(framer)) lines.push_back(line);
  }
  CHECK(lines == std::vector<std::string>{":nick!u@h PRIVMSG #kata-dev :!conduct"});
}

TEST_CASE("irc line framer discards over-long lines and resynchronises", "[irc][framer]") {
  LineFramer framer(600);
  framer.feed(std::string(2000, 'x'));
  CHECK(parse_stream(framer).empty());
  framer.feed(std::string(2000, 'y') + "\r\nPING :after\r\n" + std::string(700, 'z') + "\nPING :again\r\n");
  CHECK(parse_stream(framer) == std::vector<std::string>{"PING :after", "PING :again"});
  CHECK(framer.discarded_lines() == 2);
  // Lines up to the tag budget plus 512 bytes are kept by default.
  LineFramer roomy;
  const std::string tagged = "@" + std::string(8000, 't') + " PRIVMSG #c :" + std::string(480, 'm');
  roomy.feed(tagged + "\r\n");
  CHECK(parse_stream(roomy) == std::vector<std::string>{tagged});
}

TEST_CASE("irc formatting codes are stripped with their arguments", "[irc][format]") {
  using katabot::irc::strip_formatting;
  CHECK(strip_formatting("\x02!conduct\x02") == "!conduct");
  CHECK(strip_formatting("\x03" "04,12!meet\x03ings") == "!meetings");
  CHECK(strip_formatting("\x03" "4!x") == "!x");
  CHECK(strip_formatting("\x03" "123") == "3");          // at most two digits
  CHECK(strip_formatting("\x03" "04,x") == ",x");        // a comma without digits is text
  CHECK(strip_formatting("\x03,5") == ",5");             // no foreground: the comma stays
  CHECK(strip_formatting("\x04" "ff00AA,000000hi\x0F") == "hi");
  CHECK(strip_formatting("\x1D\x1F\x1E\x11\x16plain") == "plain");
  CHECK(strip_formatting("\x03") == "");
}

TEST_CASE("irc text decodes as UTF-8 with a Latin-1 fallback", "[irc][encoding]") {
  using katabot::irc::decode_text;
  CHECK(decode_text("caf\xC3\xA9") == "caf\xC3\xA9");
  CHECK(decode_text("caf\xE9") == "caf\xC3\xA9");
  CHECK(decode_text("\xC0\xAF") == "\xC3\x80\xC2\xAF");  // an overlong form is not UTF-8
  CHECK(decode_text("\xED\xA0\x80").size() == 6);        // nor a surrogate
  CHECK(decode_text("\xF0\x9F\x98") == "\xC3\xB0\xC2\x9F\xC2\x98");  // truncated sequence
  CHECK(katabot::irc::is_valid_utf8("\xF0\x9F\x98\x80"));
  for (int byte = 0; byte < 256; ++byte) {
    const std::string one(1, static_cast<char>(byte));
    CHECK(katabot::irc::is_valid_utf8(decode_text(one)));
  }
}

TEST_CASE("irc casefolding follows the server's CASEMAPPING", "[irc][casemapping]") {
  using katabot::irc::casefold;
  CHECK(casefold("#Kata-Dev", CaseMapping::ascii) == "#kata-dev");
  CHECK(casefold("Kata[Bot]\\~", CaseMapping::rfc1459) == "kata{bot}|^");
  CHECK(casefold("Kata[Bot]\\~", CaseMapping::strict_rfc1459) == "kata{bot}|~");
  CHECK(casefold("Kata[Bot]", CaseMapping::ascii) == "kata[bot]");
  CHECK(katabot::irc::parse_casemapping("ascii") == CaseMapping::ascii);
  CHECK(katabot::irc::parse_casemapping("rfc1459") == CaseMapping::rfc1459);
  CHECK(katabot::irc::parse_casemapping("rfc7613") == CaseMapping::rfc1459);
}
