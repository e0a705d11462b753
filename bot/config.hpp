#pragma once
// The bot's configuration file (contract: shared/design/interfaces.md), loaded and validated in
// one pass so that every problem is reported at once, with FILE:LINE:COL.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/scheduler/reminder_claim.hpp"
#include "bot/platform.hpp"
#include "knowledge/diagnostics.hpp"

namespace katabot {

struct AdminsConfig {
  std::vector<std::string> slack_users;
  std::vector<std::string> irc_accounts;
};

struct BotConfig {
  std::string name = "katabot";
  std::filesystem::path knowledge_dir;  // absolute after loading
  std::filesystem::path state_dir;      // absolute after loading
  std::string log_level = "info";
  AdminsConfig admins;
};

struct SlackConfig {
  bool enabled = false;
  std::string app_token;  // secret
  std::string bot_token;  // secret
  std::string api_base = "https://slack.com/api/";
  std::string ca_file;  // extra trust anchor for https/wss (tests use a self-signed CA); system store otherwise
  std::string command = "/kata";
  std::vector<std::string> reminder_channels;
};

struct IrcConfig {
  bool enabled = false;
  std::string host = "irc.oftc.net";
  std::uint16_t port = 6697;
  bool tls = true;
  bool tls_verify = true;
  std::string ca_file;
  std::string client_cert;
  std::string nick;  // empty: bot.name (filled in by load_config)
  std::vector<std::string> alt_nicks;
  std::string username = "katabot";
  std::string realname = "Kata Containers community bot";
  std::string nickserv_password;  // secret
  std::vector<std::string> channels;
  std::string command_prefix = "!";
  std::vector<std::string> reminder_channels;
};

struct HttpConfig {
  std::string listen = "127.0.0.1:9090";  // empty: no HTTP server
};

// Several replicas with one voice (shared/design/ha.md §7): with backend etcd the replicas elect a
// leader through an etcd v3 cluster; backend none is one process, always the leader.
struct EtcdConfig {
  std::vector<std::string> endpoints;  // http(s)://host:port, all of one scheme
  std::string api_prefix = "/v3";      // /v3beta for etcd 3.3
  std::string ca_file;                 // extra trust anchor; the system store otherwise
  std::string cert_file;               // client certificate, with key_file
  std::string key_file;
  std::string server_name;  // the name the members' certificates carry, when endpoints are IP addresses
  std::string username;     // empty: etcd auth is off
  std::string password;     // secret, only from the environment variable coordination.etcd.auth.password_env names
};

struct CoordinationConfig {
  enum class Backend { none, etcd };
  Backend backend = Backend::none;
  std::string identity;  // unique per replica; the host name when not given
  std::string key_prefix = "/katabot/";
  std::chrono::seconds lease_ttl{10};
  std::chrono::seconds retry_period{1};   // how often a follower looks for a free leader key
  std::chrono::seconds safety_margin{1};  // leader-only work stops this long before the local lease deadline
  std::chrono::seconds request_timeout{2};
  std::chrono::seconds catchup_window{std::chrono::minutes(10)};  // missed reminders a new leader still posts
  AmbiguousPolicy ambiguous_policy;  // reminders an earlier leader claimed but never marked
  EtcdConfig etcd;
};

struct Config {
  std::filesystem::path file;
  BotConfig bot;
  SlackConfig slack;
  IrcConfig irc;
  HttpConfig http;
  CoordinationConfig coordination;
};

// Looks up an environment variable; injectable so tests need not touch the process environment.
using Environment = std::function<std::optional<std::string>(const std::string& name)>;
Environment process_environment();
// This machine's host name: the default coordination.identity.
std::string host_name();

// `running`: the bot will connect, so tokens must be set. Offline uses (--schedule, --ics,
// --console) only need the knowledge base and accept a config whose secrets are not in the environment.
enum class ConfigUse { running, offline };

std::optional<Config> load_config(const std::filesystem::path& file, const Environment& environment,
                                  Diagnostics& diagnostics, ConfigUse use = ConfigUse::running);
std::optional<Config> parse_config(const std::string& yaml_text, const std::filesystem::path& file,
                                   const Environment& environment, Diagnostics& diagnostics,
                                   ConfigUse use = ConfigUse::running);

// The configuration used offline when no file is given: no adapters, no HTTP, the knowledge base
// found by find_knowledge_dir(), state in a temporary directory.
Config offline_default_config();
// knowledge/ in the working directory, else the one of the source tree the binary was built from,
// else /usr/share/katabot/knowledge.
std::filesystem::path find_knowledge_dir();

// config/katabot.yaml in the working directory, else /etc/katabot/katabot.yaml; nullopt if neither exists.
std::optional<std::filesystem::path> find_default_config();

// Where `platform`'s reminders go when a meeting names no channels: slack.reminder_channels,
// irc.reminder_channels; none for a platform without such a setting.
const std::vector<std::string>& reminder_channels_for(Platform platform, const Config& config);

}  // namespace katabot
