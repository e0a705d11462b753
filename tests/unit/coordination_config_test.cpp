#include <catch2/catch.hpp>

#include "bot/config.hpp"
#include "test_support.hpp"

using namespace katabot;
using katabot::test::all_text;
using katabot::test::environment;

namespace {

std::optional<Config> parse(const std::string& coordination, Diagnostics& diagnostics,
                            std::map<std::string, std::string> variables = {}) {
  return parse_config("coordination:\n" + coordination, "/etc/katabot/katabot.yaml", environment(std::move(variables)),
                      diagnostics);
}

}  // namespace

TEST_CASE("without a coordination section the bot runs alone under its host name", "[config][coordination]") {
  Diagnostics diagnostics;
  const auto config = parse_config("bot: {name: katabot}\n", "katabot.yaml", environment({}), diagnostics);
  INFO(all_text(diagnostics));
  REQUIRE(config);
  CHECK(config->coordination.backend == CoordinationConfig::Backend::none);
  CHECK(config->coordination.identity == host_name());
  CHECK(config->coordination.lease_ttl == std::chrono::seconds(10));
  CHECK(config->coordination.safety_margin == std::chrono::seconds(1));
  CHECK(config->coordination.catchup_window == std::chrono::minutes(10));
}

TEST_CASE("an etcd cluster over TLS with a password from the environment", "[config][coordination]") {
  katabot::test::TempDir dir;
  for (const auto* name : {"ca.pem", "client.pem", "client.key"}) std::ofstream(dir.path() / name) << "x";
  Diagnostics diagnostics;
  const auto config = parse_config(R"(coordination:
  backend: etcd
  identity: replica-a
  lease_ttl: 15s
  retry_period: 2s
  reminders: {catchup_window: 30m}
  etcd:
    endpoints: [https://10.0.0.1:2379, https://10.0.0.2:2379, https://10.0.0.3:2379]
    tls: {ca_file: ca.pem, cert_file: client.pem, key_file: client.key, server_name: etcd.internal}
    auth: {username: katabot, password_env: KATABOT_ETCD_PASSWORD}
)",
                                   dir.path() / "katabot.yaml", environment({{"KATABOT_ETCD_PASSWORD", "s3cret"}}),
                                   diagnostics);
  INFO(all_text(diagnostics));
  REQUIRE(config);
  const auto& coordination = config->coordination;
  CHECK(coordination.backend == CoordinationConfig::Backend::etcd);
  CHECK(coordination.identity == "replica-a");
  CHECK(coordination.lease_ttl == std::chrono::seconds(15));
  CHECK(coordination.retry_period == std::chrono::seconds(2));
  CHECK(coordination.catchup_window == std::chrono::minutes(30));
  CHECK(coordination.etcd.endpoints.size() == 3);
  CHECK(coordination.etcd.ca_file == (dir.path() / "ca.pem").string());
  CHECK(coordination.etcd.server_name == "etcd.internal");
  CHECK(coordination.etcd.username == "katabot");
  CHECK(coordination.etcd.password == "s3cret");
}

TEST_CASE("coordination mistakes are reported at their key with their value", "[config][coordination]") {
  struct Case {
    std::string yaml;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"  backend: zookeeper\n", "katabot.yaml:2:12: coordination.backend 'zookeeper' must be none or etcd"},
      {"  backend: etcd\n", "coordination.backend is etcd but coordination.etcd.endpoints is empty"},
      {"  etcd: {endpoints: [127.0.0.1:2379]}\n",
       "katabot.yaml:2:22: coordination.etcd.endpoints: '127.0.0.1:2379' is not an etcd client URL"},
      {"  etcd: {endpoints: [http://127.0.0.1]}\n", "'http://127.0.0.1' is not an etcd client URL"},
      {"  etcd: {endpoints: [http://127.0.0.1:2379/v3]}\n", "'http://127.0.0.1:2379/v3' is not an etcd client URL"},
      {"  etcd: {endpoints: [http://a:2379, https://b:2379]}\n", "mixes http:// and https://"},
      {"  etcd: {endpoints: [http://a:2379], api_prefix: /v2}\n", "api_prefix '/v2' must be /v3"},
      {"  etcd: {endpoints: [http://a:2379], tls: {server_name: a}}\n",
       "coordination.etcd.tls is set but the endpoints are http://"},
      {"  etcd: {endpoints: [https://a:2379], tls: {ca_file: /nonexistent/ca.pem}}\n",
       "coordination.etcd.tls.ca_file '/nonexistent/ca.pem' does not exist"},
      {"  etcd: {endpoints: [https://a:2379], auth: {username: k, password_env: NOT_SET_ANYWHERE}}\n",
       "environment variable NOT_SET_ANYWHERE (coordination.etcd.auth.password_env) is not set"},
      {"  etcd: {endpoints: [https://a:2379], auth: {username: k, password_env: hunter2!}}\n",
       "password_env must name the environment variable"},
      {"  lease_ttl: 1s\n", "katabot.yaml:2:14: coordination.lease_ttl '1s' is below etcd's minimum of 2s"},
      {"  lease_ttl: ten\n", "coordination.lease_ttl 'ten' is not a duration"},
      {"  lease_ttl: 3s\n  safety_margin: 2s\n  request_timeout: 1s\n",
       "katabot.yaml:3:18: coordination.safety_margin '2s' must be shorter than two thirds of lease_ttl (3s)"},
      {"  request_timeout: 5s\n", "coordination.request_timeout '5s' must be at most a third of lease_ttl (10s)"},
      {"  retry_period: 11s\n", "coordination.retry_period '11s' must not exceed lease_ttl (10s)"},
      {"  key_prefix: katabot\n", "coordination.key_prefix 'katabot' must look like /katabot/"},
      {"  identity: \"two words\"\n", "coordination.identity 'two words' must be 1 to 128"},
      {"  renew_deadline: 8s\n", "renew_deadline"},
  };
  for (const auto& [yaml, expected] : cases) {
    Diagnostics diagnostics;
    INFO(yaml);
    CHECK_FALSE(parse_config("coordination:\n" + yaml, "katabot.yaml", environment({}), diagnostics));
    CHECK_THAT(all_text(diagnostics), Catch::Contains(expected));
  }
}

TEST_CASE("the etcd password is never shown, even in an error about it", "[config][coordination]") {
  Diagnostics diagnostics;
  CHECK_FALSE(parse("  etcd: {endpoints: [https://a:2379], auth: {password_env: PW}}\n", diagnostics, {{"PW", "s3cret"}}));
  const auto text = all_text(diagnostics);
  CHECK_THAT(text, Catch::Contains("coordination.etcd.auth needs a username"));
  CHECK_THAT(text, !Catch::Contains("s3cret"));
}

TEST_CASE("offline uses accept a coordination password that is not in the environment", "[config][coordination]") {
  Diagnostics diagnostics;
  const auto config = parse_config("coordination:\n  backend: etcd\n  etcd:\n    endpoints: [http://127.0.0.1:2379]\n"
                                   "    auth: {username: k, password_env: UNSET}\n",
                                   "katabot.yaml", environment({}), diagnostics, ConfigUse::offline);
  INFO(all_text(diagnostics));
  CHECK(config);
}
