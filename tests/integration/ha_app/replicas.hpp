#pragma once
// Real katabot replicas for the ha_app tests: a configuration per replica (backend etcd, short
// lease, its own state_dir and HTTP port) and the process running it.
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "tests/integration/irc/irc_fixture.hpp"

namespace katabot::test {

constexpr int lease_ttl_seconds = 3;

struct Replica {
  std::string identity;
  std::uint16_t http_port = 0;
  std::filesystem::path log;
  Process process;

  std::string log_text() const { return read_file(log); }
};

// The chat sections of a replica's configuration.
inline std::string irc_only(std::uint16_t irc_port) {
  return "irc:\n"
         "  enabled: true\n"
         "  host: 127.0.0.1\n"
         "  port: " + std::to_string(irc_port) + "\n"
         "  tls: false\n"
         "  nick: katabot\n"
         "  channels: [\"#kata-dev\"]\n";
}

inline std::string slack_only(const std::string& api_base) {
  return "slack:\n"
         "  enabled: true\n"
         "  app_token: ${SLACK_APP_TOKEN}\n"
         "  bot_token: ${SLACK_BOT_TOKEN}\n"
         "  api_base: " + api_base + "\n"
         "  command: /kata\n"
         "irc:\n"
         "  enabled: false\n";
}

inline Replica start_replica(const TempDir& dir, const std::string& identity, const std::string& chat,
                             const std::string& etcd_endpoint, int lease_ttl = lease_ttl_seconds) {
  Replica replica{identity, free_port(), dir.path() / (identity + ".log"), {}};
  const auto config = dir.path() / (identity + ".yaml");
  std::ofstream(config) << "bot:\n"
                           "  name: katabot\n"
                           "  knowledge_dir: " KATABOT_SOURCE_DIR "/knowledge\n"
                           "  state_dir: " << (dir.path() / (identity + "-state")).string() << "\n"
                        << "  admins:\n    slack_users: [U2]\n"
                        << chat << "http:\n"
                           "  listen: 127.0.0.1:" << replica.http_port << "\n"
                        << "coordination:\n"
                           "  backend: etcd\n"
                           "  identity: " << identity << "\n"
                        << "  lease_ttl: " << lease_ttl << "s\n"
                        << "  retry_period: 1s\n"
                           "  request_timeout: 1s\n"
                           "  etcd:\n"
                           "    endpoints: [" << etcd_endpoint << "]\n";
  replica.process = Process({KATABOT_BINARY, "--config", config.string()}, replica.log);
  return replica;
}

}  // namespace katabot::test
