// The configuration loader against hostile or careless files: alias bombs, duplicate keys, and
// values from the environment (secrets) that must never appear in an error message.
#include <catch2/catch.hpp>

#include "bot/config.hpp"
#include "test_support.hpp"

using namespace katabot;
using katabot::test::all_text;
using katabot::test::environment;

TEST_CASE("a YAML alias bomb is refused before anything walks it", "[config]") {
  // Nine levels of ten aliases: a billion scalars once expanded, which the loader used to walk.
  // Expanding it again would not finish within the test's timeout.
  std::string bomb = "bot:\n  name: &a0 katabot\n";
  for (int level = 1; level <= 9; ++level) {
    bomb += "x" + std::to_string(level) + ": &a" + std::to_string(level) + " [";
    for (int i = 0; i < 10; ++i) bomb += (i ? ", *a" : "*a") + std::to_string(level - 1);
    bomb += "]\n";
  }
  Diagnostics diagnostics;
  const auto config = parse_config(bomb, "bomb.yaml", environment({}), diagnostics);
  CHECK_FALSE(config);
  const auto text = all_text(diagnostics);
  INFO(text);
  REQUIRE(diagnostics.size() == 1);  // one problem for all 90 aliases, refused before the tree was read
  CHECK(diagnostics[0].to_string() ==
        "bomb.yaml:3:10: YAML aliases (*name) are not allowed here: write the value out (90 aliases in the file)");
}

TEST_CASE("duplicate keys are reported with both positions, at any depth", "[config]") {
  const std::string text = R"(bot:
  admins:
    slack_users: [U1]
  admins:
    irc_accounts: [ops]
http:
  listen: 127.0.0.1:9090
http:
  listen: 127.0.0.1:9091
irc:
  channels: ["#a"]
  enabled: false
  channels: ["#b"]
)";
  Diagnostics diagnostics;
  const auto config = parse_config(text, "dup.yaml", environment({}), diagnostics);
  CHECK_FALSE(config);
  const auto all = all_text(diagnostics);
  INFO(all);
  CHECK(all.find("dup.yaml:4:3: duplicate key 'admins', first at 2:3") != std::string::npos);
  CHECK(all.find("dup.yaml:8:1: duplicate key 'http', first at 6:1") != std::string::npos);
  CHECK(all.find("dup.yaml:13:3: duplicate key 'channels', first at 11:3") != std::string::npos);
  CHECK(diagnostics.size() == 3);
}

TEST_CASE("the same key in different mappings is no duplicate", "[config]") {
  Diagnostics diagnostics;
  const auto config = parse_config("slack:\n  enabled: false\nirc:\n  enabled: false\n", "ok.yaml", environment({}),
                                   diagnostics);
  INFO(all_text(diagnostics));
  CHECK(config);
}

TEST_CASE("a value from the environment is never printed in an error, the variable is named", "[config]") {
  const std::string secret = "hunter2 secret";
  struct Case {
    const char* yaml;
    const char* expected;
  };
  const Case cases[] = {
      {"irc:\n  tls: ${SECRET}\n", "'tls' must be true or false, not (the value of ${SECRET})"},
      {"irc:\n  enabled: ${SECRET}\n", "'enabled' must be true or false, not (the value of ${SECRET})"},
      {"irc:\n  port: ${SECRET}\n", "'port' must be a whole number, not (the value of ${SECRET})"},
      {"irc:\n  enabled: true\n  channels: [\"${SECRET}\"]\n", "(the value of ${SECRET}) is not an IRC channel name"},
      {"slack:\n  enabled: true\n  api_base: ${SECRET}\n", "slack.api_base (the value of ${SECRET}) must be an http(s) URL"},
      {"slack:\n  enabled: false\n  ca_file: ${SECRET}\n", "slack.ca_file (the value of ${SECRET}) does not exist"},
      {"http:\n  listen: ${SECRET}\n", "http.listen (the value of ${SECRET}) must be HOST:PORT"},
      {"bot:\n  name: ${SECRET}\n", "bot name (the value of ${SECRET}) is not a valid nick"},
      {"bot:\n  log_level: ${SECRET}\n", "log_level (the value of ${SECRET}) must be one of"},
      {"irc:\n  port: \"${SECRET}\"\n", "(the value of ${SECRET})"},
  };
  for (const auto& [yaml, expected] : cases) {
    Diagnostics diagnostics;
    const auto config = parse_config(yaml, "env.yaml", environment({{"SECRET", secret}}), diagnostics, ConfigUse::offline);
    const auto text = all_text(diagnostics);
    INFO(yaml);
    INFO(text);
    CHECK_FALSE(config);
    CHECK(text.find(expected) != std::string::npos);
    CHECK(text.find("hunter2") == std::string::npos);
  }
}

TEST_CASE("a literal value, not from the environment, is still quoted in the error", "[config]") {
  Diagnostics diagnostics;
  CHECK_FALSE(parse_config("irc:\n  port: 70000\n", "lit.yaml", environment({}), diagnostics));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].to_string() == "lit.yaml:2:9: irc.port '70000' is not a TCP port (1-65535)");
}
