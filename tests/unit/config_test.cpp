#include <catch2/catch.hpp>

#include <map>

#include "bot/config.hpp"
#include "test_support.hpp"

using namespace katabot;
using katabot::test::all_text;
using katabot::test::environment;

namespace {

// A self-signed certificate and its key, made for these tests only (P-256, valid until 2126).
const std::string test_certificate = R"(-----BEGIN CERTIFICATE-----
MIIBjjCCATWgAwIBAgIUMgXYTxUygdzmWRaGDmRpdSN3yEMwCgYIKoZIzj0EAwIw
HDEaMBgGA1UEAwwRa2F0YWJvdC11bml0LXRlc3QwIBcNMjYxMTMwMDIxMDQ5WhgP
MjEyNjExMDYwMjEwNDlaMBwxGjAYBgNVBAMMEWthdGFib3QtdW5pdC10ZXN0MFkw
EwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEDfjmMUOKlvsV9ORQAhfAiwDeBXY1eNQR
Z44qJ0eW32jr4EfAYxZzF9sRPDRN0N66ZB4xrZmiFBt7wspgCQZbGKNTMFEwHQYD
VR0OBBYEFBjh5Ib4rtgzGxTZmwd+mgnU6fhnMB8GA1UdIwQYMBaAFBjh5Ib4rtgz
GxTZmwd+mgnU6fhnMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwIDRwAwRAIg
bRcWB3Zu8ZeAWPznTpoOAV2zOFIiOAHU07aufNT3oo0CIAtvfyHHV5p5bTYGB7Se
L8ahUjBYfkvSVISq+ab+Xbsi
-----END CERTIFICATE-----
)";
const std::string test_key = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgDbNYDnYZPlvMq/H+
/1QWQbQAGnr0eyuKpYpq25sdf6GhRANCAAQN+OYxQ4qW+xX05FACF8CLAN4FdjV4
1BFnjionR5bfaOvgR8BjFnMX2xE8NE3Q3rpkHjGtmaIUG3vCymAJBlsY
-----END PRIVATE KEY-----
)";

const char* production = R"(bot:
  name: katabot
  knowledge_dir: ../knowledge
  state_dir: /var/lib/katabot
  admins:
    slack_users: [U0123ABCD]
    irc_accounts: [someaccount]
slack:
  enabled: true
  app_token: ${SLACK_APP_TOKEN}
  bot_token: ${SLACK_BOT_TOKEN}
  reminder_channels: [C0123ABCD]
irc:
  enabled: true
  nickserv_password: ${IRC_NICKSERV_PASSWORD}
  channels: ["#kata-dev", "#kata-general"]
http:
  listen: 127.0.0.1:9090
)";

}  // namespace

TEST_CASE("the production configuration takes its secrets from the environment", "[config]") {
  Diagnostics diagnostics;
  const auto config = parse_config(production, "/etc/katabot/katabot.yaml",
                                   environment({{"SLACK_APP_TOKEN", "xapp-1-secret"},
                                                {"SLACK_BOT_TOKEN", "xoxb-secret"},
                                                {"IRC_NICKSERV_PASSWORD", "hunter2"}}),
                                   diagnostics);
  INFO(all_text(diagnostics));
  REQUIRE(config);
  CHECK(config->slack.app_token == "xapp-1-secret");
  CHECK(config->irc.nickserv_password == "hunter2");
  CHECK(config->irc.host == "irc.oftc.net");
  CHECK(config->irc.port == 6697);
  CHECK(config->irc.tls);
  CHECK(config->irc.tls_verify);
  CHECK(config->bot.knowledge_dir == std::filesystem::path("/etc/katabot/../knowledge"));
  CHECK(config->bot.admins.irc_accounts == std::vector<std::string>{"someaccount"});
  CHECK(config->slack.api_base == "https://slack.com/api/");
}

TEST_CASE("a missing variable is named, never valued", "[config]") {
  Diagnostics diagnostics;
  const auto config = parse_config(production, "katabot.yaml",
                                   environment({{"SLACK_APP_TOKEN", "xapp-1-secret"}, {"SLACK_BOT_TOKEN", "not-a-bot-token"}}),
                                   diagnostics);
  CHECK_FALSE(config);
  const auto text = all_text(diagnostics);
  CHECK(text.find("katabot.yaml:15:22: environment variable IRC_NICKSERV_PASSWORD is not set") != std::string::npos);
  CHECK(text.find("slack.bot_token must be a bot token (xoxb-…)") != std::string::npos);
  CHECK(text.find("xapp-1-secret") == std::string::npos);
  CHECK(text.find("not-a-bot-token") == std::string::npos);
}

TEST_CASE("offline use does not need the secrets", "[config]") {
  Diagnostics diagnostics;
  const auto config = parse_config(production, "katabot.yaml", environment({}), diagnostics, ConfigUse::offline);
  INFO(all_text(diagnostics));
  CHECK(config);
}

TEST_CASE("unknown keys and bad values are errors with their position", "[config]") {
  const std::string text = R"(bot:
  nmae: katabot
  log_level: loud
irc:
  port: 70000
  tls_verify: maybe
  channels: [kata-dev]
htpp:
  listen: x
)";
  Diagnostics diagnostics;
  const auto config = parse_config(text, "k.yaml", environment({}), diagnostics);
  CHECK_FALSE(config);
  const auto all = all_text(diagnostics);
  INFO(all);
  CHECK(all.find("k.yaml:8:1: unknown key 'htpp' in the configuration (known keys: bot, slack, irc, http, coordination)") != std::string::npos);
  CHECK(all.find("k.yaml:2:3: unknown key 'nmae' in bot") != std::string::npos);
  CHECK(all.find("k.yaml:3:14: log_level 'loud' must be one of trace, debug, info, warn, error") != std::string::npos);
  CHECK(all.find("k.yaml:5:9: irc.port '70000' is not a TCP port (1-65535)") != std::string::npos);
  CHECK(all.find("k.yaml:6:15: 'tls_verify' must be true or false, not 'maybe'") != std::string::npos);
  CHECK(all.find("'kata-dev' is not an IRC channel name") != std::string::npos);
  CHECK(diagnostics.size() == 6);
}

TEST_CASE("an empty file is a valid configuration with defaults", "[config]") {
  Diagnostics diagnostics;
  const auto config = parse_config("", "/srv/bot/katabot.yaml", environment({}), diagnostics);
  REQUIRE(config);
  CHECK_FALSE(config->slack.enabled);
  CHECK_FALSE(config->irc.enabled);
  CHECK(config->http.listen == "127.0.0.1:9090");
  CHECK(config->bot.knowledge_dir == std::filesystem::path("/srv/bot/knowledge"));
}

TEST_CASE("the shipped configurations are valid", "[config]") {
  for (const auto* name : {"katabot.yaml", "console.yaml", "local-test.yaml"}) {
    Diagnostics diagnostics;
    const auto file = test::source_dir() / "config" / name;
    INFO(file.string());
    const auto config = load_config(file, environment({{"SLACK_APP_TOKEN", "xapp-1-x"},
                                                       {"SLACK_BOT_TOKEN", "xoxb-x"},
                                                       {"IRC_NICKSERV_PASSWORD", "pw"}}),
                                    diagnostics);
    INFO(all_text(diagnostics));
    CHECK(config);
  }
}

TEST_CASE("certificate files must exist and are relative to the config file", "[config]") {
  test::TempDir dir;
  dir.write("ca.pem", test_certificate);
  const std::string text = "slack:\n  enabled: false\n  ca_file: ca.pem\nirc:\n  enabled: false\n  client_cert: missing.pem\n";
  Diagnostics diagnostics;
  const auto config = parse_config(text, dir.path() / "katabot.yaml", environment({}), diagnostics);
  CHECK_FALSE(config);
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].to_string() == (dir.path() / "katabot.yaml").string() + ":6:16: irc.client_cert '" +
                                          (dir.path() / "missing.pem").string() + "' does not exist");
  Diagnostics fixed;
  const auto loaded = parse_config("slack:\n  enabled: false\n  ca_file: ca.pem\n", dir.path() / "katabot.yaml",
                                   environment({}), fixed);
  REQUIRE(loaded);
  CHECK(loaded->slack.ca_file == (dir.path() / "ca.pem").string());
}

TEST_CASE("a CA bundle or client certificate OpenSSL cannot load is refused at start, alike for IRC and Slack",
          "[config][tls]") {
  test::TempDir dir;
  dir.write("junk.pem", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n");
  dir.write("cert-only.pem", test_certificate);
  const std::string text =
      "slack:\n  enabled: false\n  ca_file: junk.pem\n"
      "irc:\n  enabled: false\n  ca_file: junk.pem\n  client_cert: cert-only.pem\n";
  Diagnostics diagnostics;
  CHECK_FALSE(parse_config(text, dir.path() / "katabot.yaml", environment({}), diagnostics));
  INFO(all_text(diagnostics));
  REQUIRE(diagnostics.size() == 3);
  const auto junk = "'" + (dir.path() / "junk.pem").string() + "': not a PEM CA bundle (";
  const auto where = (dir.path() / "katabot.yaml").string();
  CHECK(diagnostics[0].to_string().starts_with(where + ":3:12: slack.ca_file " + junk));
  CHECK(diagnostics[1].to_string().starts_with(where + ":6:12: irc.ca_file " + junk));
  // The reason after the key is the same words for both platforms.
  CHECK(diagnostics[0].to_string().substr(diagnostics[0].to_string().find(junk)) ==
        diagnostics[1].to_string().substr(diagnostics[1].to_string().find(junk)));
  CHECK(diagnostics[2].to_string().starts_with(where + ":7:16: irc.client_cert '" +
                                               (dir.path() / "cert-only.pem").string() + "': no PEM private key in it"));

  dir.write("client.pem", test_certificate + test_key);
  dir.write("ca.pem", test_certificate);
  Diagnostics fixed;
  CHECK(parse_config("slack:\n  enabled: false\n  ca_file: ca.pem\n"
                     "irc:\n  enabled: false\n  ca_file: ca.pem\n  client_cert: client.pem\n",
                     dir.path() / "katabot.yaml", environment({}), fixed));
  CHECK(all_text(fixed).empty());
}
