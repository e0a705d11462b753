#include "bot/config.hpp"

#include <cstdlib>
#include <map>
#include <optional>
#include <regex>

#include <unistd.h>

#include "bot/net/tls_files.hpp"
#include "bot/slack/url.hpp"
#include "knowledge/meetings.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

// Replaces ${NAME} in every scalar of the tree by the environment variable NAME.
void substitute_environment(YamlReader& reader, YAML::Node node, const Environment& environment, ConfigUse use) {
  if (node.IsMap()) {
    for (auto entry : node) substitute_environment(reader, entry.second, environment, use);
    return;
  }
  if (node.IsSequence()) {
    for (auto item : node) substitute_environment(reader, item, environment, use);
    return;
  }
  if (!node.IsScalar()) return;
  static const std::regex variable(R"(\$\{([A-Za-z_][A-Za-z0-9_]*)\})");
  const auto& text = node.Scalar();
  if (text.find("${") == std::string::npos) return;
  std::string result;
  std::string variables;
  auto last = text.cbegin();
  for (std::sregex_iterator it(text.begin(), text.end(), variable), end; it != end; ++it) {
    const auto& match = *it;
    result.append(last, match[0].first);
    const auto name = match[1].str();
    if (const auto value = environment(name)) {
      result += *value;
    } else if (use == ConfigUse::running) {
      reader.error(node, "environment variable " + name + " is not set");
    }
    variables += (variables.empty() ? "${" : ", ${") + name + "}";
    last = match[0].second;
  }
  result.append(last, text.cend());
  if (!variables.empty()) reader.note_substitution(node, std::move(variables));
  node = result;
}

bool is_channel_name(std::string_view name) {
  return !name.empty() && (name[0] == '#' || name[0] == '&') && name.find_first_of(" ,\x07\r\n") == std::string_view::npos;
}

bool read_bool(YamlReader& reader, const YAML::Node& map, const char* key, bool fallback) {
  return reader.optional_bool(map, key).value_or(fallback);
}

// An optional file name, relative to the config file, that must exist when given.
std::string read_file_path(YamlReader& reader, const YAML::Node& map, const char* key, const std::filesystem::path& base,
                           std::string_view section) {
  const auto name = reader.optional_string(map, key);
  if (name.empty()) return name;
  const auto path = (base / name).string();
  // A FIFO here would block the TLS library reading it at start-up.
  std::error_code error;
  const auto type = std::filesystem::status(path, error).type();
  if (type != std::filesystem::file_type::regular) {
    reader.error(map[key], std::string(section) + "." + key + " " + reader.shown_value(map[key], path) +
                               (type == std::filesystem::file_type::not_found ? " does not exist" : " is not a regular file"));
  }
  return path;
}

// TLS files are loaded here, at start-up and by --check-config, the same way for IRC and Slack:
// a CA bundle or client certificate OpenSSL cannot use would otherwise fail every connection later,
// far from its cause.
void check_tls_file(YamlReader& reader, const YAML::Node& map, const char* key, const std::string& path,
                    std::string_view section, std::optional<std::string> (*problem_of)(const std::string&)) {
  if (path.empty() || !std::filesystem::is_regular_file(path)) return;  // read_file_path said why
  if (const auto problem = problem_of(path)) {
    reader.error(map[key], std::string(section) + "." + key + " " + reader.shown_value(map[key], path) + ": " + *problem);
  }
}

void read_bot(YamlReader& reader, const YAML::Node& node, const std::filesystem::path& base, BotConfig& bot) {
  if (!node || !reader.expect_map(node, "'bot'")) return;
  reader.reject_unknown_keys(node, {"name", "knowledge_dir", "state_dir", "log_level", "admins"}, "bot");
  bot.name = reader.optional_string(node, "name", bot.name);
  if (!std::regex_match(bot.name, std::regex("[A-Za-z_\\[\\]\\\\`^{}|][A-Za-z0-9_\\[\\]\\\\`^{}|-]{0,29}"))) {
    reader.error(node["name"], "bot name " + reader.shown_value(node["name"]) + " is not a valid nick");
  }
  bot.knowledge_dir = base / reader.optional_string(node, "knowledge_dir", "knowledge");
  bot.state_dir = base / reader.optional_string(node, "state_dir", "state");
  bot.log_level = reader.optional_string(node, "log_level", bot.log_level);
  static const std::vector<std::string> levels{"trace", "debug", "info", "warn", "error"};
  if (std::find(levels.begin(), levels.end(), bot.log_level) == levels.end()) {
    reader.error(node["log_level"],
                 "log_level " + reader.shown_value(node["log_level"]) + " must be one of trace, debug, info, warn, error");
  }
  if (const auto admins = node["admins"]; admins && !admins.IsNull() && reader.expect_map(admins, "'admins'")) {
    reader.reject_unknown_keys(admins, {"slack_users", "irc_accounts"}, "bot.admins");
    bot.admins.slack_users = reader.string_list(admins, "slack_users");
    bot.admins.irc_accounts = reader.string_list(admins, "irc_accounts");
  }
}

void read_slack(YamlReader& reader, const YAML::Node& node, const std::filesystem::path& base, ConfigUse use,
                SlackConfig& slack) {
  if (!node || !reader.expect_map(node, "'slack'")) return;
  reader.reject_unknown_keys(node,
                             {"enabled", "app_token", "bot_token", "api_base", "ca_file", "command", "reminder_channels"},
                             "slack");
  slack.enabled = read_bool(reader, node, "enabled", true);
  slack.app_token = reader.optional_string(node, "app_token");
  slack.bot_token = reader.optional_string(node, "bot_token");
  slack.api_base = reader.optional_string(node, "api_base", slack.api_base);
  slack.ca_file = read_file_path(reader, node, "ca_file", base, "slack");
  check_tls_file(reader, node, "ca_file", slack.ca_file, "slack", client::ca_bundle_problem);
  slack.command = reader.optional_string(node, "command", slack.command);
  slack.reminder_channels = reader.string_list(node, "reminder_channels");
  if (!slack.api_base.ends_with('/')) slack.api_base += '/';
  if (!slack.enabled) return;
  if (use == ConfigUse::running && !slack.app_token.starts_with("xapp-")) {
    reader.error(node["app_token"] ? node["app_token"] : node,
                 "slack.app_token must be an app-level token (xapp-…) with connections:write");
  }
  if (use == ConfigUse::running && !slack.bot_token.starts_with("xoxb-")) {
    reader.error(node["bot_token"] ? node["bot_token"] : node, "slack.bot_token must be a bot token (xoxb-…)");
  }
  if (!slack.api_base.starts_with("https://") && !slack.api_base.starts_with("http://")) {
    reader.error(node["api_base"], "slack.api_base " + reader.shown_value(node["api_base"]) + " must be an http(s) URL");
  }
  if (!slack.command.starts_with('/')) reader.error(node["command"], "slack.command must start with '/'");
}

void read_irc(YamlReader& reader, const YAML::Node& node, const std::filesystem::path& base, IrcConfig& irc) {
  if (!node || !reader.expect_map(node, "'irc'")) return;
  reader.reject_unknown_keys(node,
                             {"enabled", "host", "port", "tls", "tls_verify", "ca_file", "client_cert", "nick",
                              "alt_nicks", "username", "realname", "nickserv_password", "channels", "command_prefix",
                              "reminder_channels"},
                             "irc");
  irc.enabled = read_bool(reader, node, "enabled", true);
  irc.host = reader.optional_string(node, "host", irc.host);
  if (const auto port = reader.optional_integer(node, "port")) {
    if (*port < 1 || *port > 65535) {
      reader.error(node["port"], "irc.port " + reader.shown_value(node["port"]) + " is not a TCP port (1-65535)");
    } else {
      irc.port = static_cast<std::uint16_t>(*port);
    }
  }
  irc.tls = read_bool(reader, node, "tls", irc.tls);
  irc.tls_verify = read_bool(reader, node, "tls_verify", irc.tls_verify);
  irc.ca_file = read_file_path(reader, node, "ca_file", base, "irc");
  irc.client_cert = read_file_path(reader, node, "client_cert", base, "irc");
  check_tls_file(reader, node, "ca_file", irc.ca_file, "irc", client::ca_bundle_problem);
  check_tls_file(reader, node, "client_cert", irc.client_cert, "irc", client::client_identity_problem);
  irc.nick = reader.optional_string(node, "nick", irc.nick);
  irc.alt_nicks = reader.string_list(node, "alt_nicks");
  irc.username = reader.optional_string(node, "username", irc.username);
  irc.realname = reader.optional_string(node, "realname", irc.realname);
  irc.nickserv_password = reader.optional_string(node, "nickserv_password");
  irc.channels = reader.string_list(node, "channels");
  irc.command_prefix = reader.optional_string(node, "command_prefix", irc.command_prefix);
  irc.reminder_channels = reader.string_list(node, "reminder_channels");
  if (!irc.enabled) return;
  if (irc.host.empty()) reader.error(node, "irc.host is empty");
  if (irc.command_prefix.empty() || irc.command_prefix.find(' ') != std::string::npos) {
    reader.error(node["command_prefix"], "irc.command_prefix must be a non-empty word such as '!'");
  }
  for (const auto* key : {"channels", "reminder_channels"}) {
    const auto list = node[key];
    if (!list || !list.IsSequence()) continue;  // string_list reported a list that is not one
    for (const auto& item : list) {
      if (item.IsScalar() && !is_channel_name(item.Scalar())) {
        reader.error(item, reader.shown_value(item) + " is not an IRC channel name (quote it: \"#kata-dev\")");
      }
    }
  }
}

void read_http(YamlReader& reader, const YAML::Node& node, HttpConfig& http) {
  if (!node || !reader.expect_map(node, "'http'")) return;
  reader.reject_unknown_keys(node, {"listen"}, "http");
  http.listen = reader.optional_string(node, "listen", http.listen);
  if (!http.listen.empty() && !std::regex_match(http.listen, std::regex(R"((\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):[0-9]{1,5})"))) {
    reader.error(node["listen"], "http.listen " + reader.shown_value(node["listen"]) + " must be HOST:PORT, e.g. 127.0.0.1:9090");
  }
}

// A duration such as 10s or 1m30s; `fallback` when the key is absent.
std::chrono::seconds read_duration(YamlReader& reader, const YAML::Node& map, const char* key, std::string_view section,
                                   std::chrono::seconds fallback) {
  const auto text = reader.optional_string(map, key);
  if (text.empty()) return fallback;
  const auto duration = parse_duration(text);
  if (!duration || *duration <= std::chrono::seconds::zero()) {
    reader.error(map[key], std::string(section) + "." + key + " " + reader.shown_value(map[key]) +
                               " is not a duration such as 10s, 1m or 1m30s");
    return fallback;
  }
  return *duration;
}

// An etcd client URL: http(s)://host:port and nothing after it (the gateway paths are ours to add).
bool is_endpoint(std::string_view text) {
  const auto url = slack::parse_url(text);
  const auto has_port = text.find(':', text.find("://") + 3) != std::string_view::npos;
  return url && (url->scheme == "http" || url->scheme == "https") && !url->host.empty() && url->target == "/" &&
         has_port && !text.ends_with('/');
}

void read_etcd(YamlReader& reader, const YAML::Node& node, const std::filesystem::path& base, const Environment& environment,
               ConfigUse use, EtcdConfig& etcd) {
  if (!node || !reader.expect_map(node, "'coordination.etcd'")) return;
  reader.reject_unknown_keys(node, {"endpoints", "api_prefix", "tls", "auth"}, "coordination.etcd");
  etcd.endpoints = reader.string_list(node, "endpoints");
  etcd.api_prefix = reader.optional_string(node, "api_prefix", etcd.api_prefix);
  if (!std::regex_match(etcd.api_prefix, std::regex("/v3(alpha|beta)?"))) {
    reader.error(node["api_prefix"], "coordination.etcd.api_prefix " + reader.shown_value(node["api_prefix"]) +
                                         " must be /v3 (etcd 3.4 and later) or /v3beta (etcd 3.3)");
  }
  std::size_t secure = 0;
  if (const auto list = node["endpoints"]; list && list.IsSequence()) {
    for (const auto& item : list) {
      if (!item.IsScalar()) continue;  // string_list reported it
      if (!is_endpoint(item.Scalar())) {
        reader.error(item, "coordination.etcd.endpoints: " + reader.shown_value(item) +
                               " is not an etcd client URL such as http://127.0.0.1:2379 (scheme, host and port, no path)");
      } else if (item.Scalar().starts_with("https://")) {
        ++secure;
      }
    }
    if (secure != 0 && secure != etcd.endpoints.size()) {
      reader.error(list, "coordination.etcd.endpoints mixes http:// and https://; a cluster serves one or the other");
    }
  }
  if (const auto tls = node["tls"]; tls && !tls.IsNull() && reader.expect_map(tls, "'coordination.etcd.tls'")) {
    reader.reject_unknown_keys(tls, {"ca_file", "cert_file", "key_file", "server_name"}, "coordination.etcd.tls");
    etcd.ca_file = read_file_path(reader, tls, "ca_file", base, "coordination.etcd.tls");
    etcd.cert_file = read_file_path(reader, tls, "cert_file", base, "coordination.etcd.tls");
    etcd.key_file = read_file_path(reader, tls, "key_file", base, "coordination.etcd.tls");
    etcd.server_name = reader.optional_string(tls, "server_name");
    if (etcd.cert_file.empty() != etcd.key_file.empty()) {
      reader.error(tls, "coordination.etcd.tls needs cert_file and key_file together (a client certificate and its key)");
    }
    if (secure == 0 && !etcd.endpoints.empty()) {
      reader.error(tls, "coordination.etcd.tls is set but the endpoints are http://; use https:// endpoints");
    }
  }
  if (const auto auth = node["auth"]; auth && !auth.IsNull() && reader.expect_map(auth, "'coordination.etcd.auth'")) {
    reader.reject_unknown_keys(auth, {"username", "password_env"}, "coordination.etcd.auth");
    etcd.username = reader.optional_string(auth, "username");
    const auto variable = reader.optional_string(auth, "password_env");
    if (etcd.username.empty()) reader.error(auth, "coordination.etcd.auth needs a username");
    if (!std::regex_match(variable, std::regex("[A-Za-z_][A-Za-z0-9_]*"))) {
      reader.error(auth["password_env"] ? auth["password_env"] : auth,
                   "coordination.etcd.auth.password_env must name the environment variable holding the password, "
                   "such as KATABOT_ETCD_PASSWORD");
    } else if (const auto password = environment(variable)) {
      etcd.password = *password;
    } else if (use == ConfigUse::running) {
      reader.error(auth["password_env"], "environment variable " + variable + " (coordination.etcd.auth.password_env) is not set");
    }
  }
}

// Slack can be searched for the post (verify), IRC cannot: each network accepts its own choices.
void read_ambiguous_policy(YamlReader& reader, const YAML::Node& node, AmbiguousPolicy& policy) {
  if (!node || node.IsNull() || !reader.expect_map(node, "'coordination.reminders.ambiguous_policy'")) return;
  reader.reject_unknown_keys(node, {"slack", "irc"}, "coordination.reminders.ambiguous_policy");
  const auto read = [&](const char* network, const std::map<std::string, AmbiguousAction>& choices, AmbiguousAction& action) {
    if (!node[network]) return;
    const auto word = reader.optional_string(node, network);
    const auto found = choices.find(word);
    if (found != choices.end()) {
      action = found->second;
      return;
    }
    std::string listed;
    for (const auto& [name, unused] : choices) listed += (listed.empty() ? "" : " or ") + name;
    reader.error(node[network], std::string("coordination.reminders.ambiguous_policy.") + network + " " +
                                    reader.shown_value(node[network]) + " must be " + listed);
  };
  read("slack", {{"verify", AmbiguousAction::verify}, {"repost", AmbiguousAction::repost}}, policy.slack);
  read("irc", {{"skip", AmbiguousAction::skip}, {"repost", AmbiguousAction::repost}}, policy.irc);
}

void read_coordination(YamlReader& reader, const YAML::Node& node, const std::filesystem::path& base,
                       const Environment& environment, ConfigUse use, CoordinationConfig& coordination) {
  coordination.identity = host_name();
  if (!node || !reader.expect_map(node, "'coordination'")) return;
  reader.reject_unknown_keys(node,
                             {"backend", "identity", "key_prefix", "lease_ttl", "retry_period", "safety_margin",
                              "request_timeout", "reminders", "etcd"},
                             "coordination");
  const auto backend = reader.optional_string(node, "backend", "none");
  if (backend == "etcd") {
    coordination.backend = CoordinationConfig::Backend::etcd;
  } else if (backend != "none") {
    reader.error(node["backend"], "coordination.backend " + reader.shown_value(node["backend"]) + " must be none or etcd");
  }
  coordination.identity = reader.optional_string(node, "identity", coordination.identity);
  if (!std::regex_match(coordination.identity, std::regex("[A-Za-z0-9._:-]{1,128}"))) {
    reader.error(node["identity"] ? node["identity"] : node,
                 "coordination.identity " + reader.shown_value(node["identity"], coordination.identity) +
                     " must be 1 to 128 letters, digits, '.', '_', ':' or '-', unique per replica");
  }
  coordination.key_prefix = reader.optional_string(node, "key_prefix", coordination.key_prefix);
  if (!std::regex_match(coordination.key_prefix, std::regex("/([A-Za-z0-9._-]+/)+"))) {
    reader.error(node["key_prefix"], "coordination.key_prefix " + reader.shown_value(node["key_prefix"]) +
                                         " must look like /katabot/ (starts and ends with '/')");
  }
  coordination.lease_ttl = read_duration(reader, node, "lease_ttl", "coordination", coordination.lease_ttl);
  coordination.retry_period = read_duration(reader, node, "retry_period", "coordination", coordination.retry_period);
  coordination.safety_margin = read_duration(reader, node, "safety_margin", "coordination", coordination.safety_margin);
  coordination.request_timeout =
      read_duration(reader, node, "request_timeout", "coordination", coordination.request_timeout);
  if (const auto reminders = node["reminders"];
      reminders && !reminders.IsNull() && reader.expect_map(reminders, "'coordination.reminders'")) {
    reader.reject_unknown_keys(reminders, {"catchup_window", "ambiguous_policy"}, "coordination.reminders");
    coordination.catchup_window =
        read_duration(reader, reminders, "catchup_window", "coordination.reminders", coordination.catchup_window);
    read_ambiguous_policy(reader, reminders["ambiguous_policy"], coordination.ambiguous_policy);
  }
  read_etcd(reader, node["etcd"], base, environment, use, coordination.etcd);

  // The timing rules of ha.md §7: keepalives go every lease_ttl/3, and each must be able to fail
  // once and be retried before the leader has to stop.
  const auto ttl = coordination.lease_ttl;
  const auto at = [&](const char* key) { return node[key] ? node[key] : node; };
  const auto shown = [&](const char* key, std::chrono::seconds value) {
    return reader.shown_value(node[key], format_duration(value));
  };
  if (ttl < std::chrono::seconds(2)) {
    reader.error(at("lease_ttl"), "coordination.lease_ttl " + shown("lease_ttl", ttl) +
                                      " is below etcd's minimum of 2s (10s is the sane default)");
  } else {
    if (coordination.safety_margin * 3 >= ttl * 2) {
      reader.error(at("safety_margin"), "coordination.safety_margin " + shown("safety_margin", coordination.safety_margin) +
                                            " must be shorter than two thirds of lease_ttl (" + format_duration(ttl) +
                                            "), or the leader would stop between two keepalives");
    }
    if (coordination.request_timeout * 3 > ttl) {
      reader.error(at("request_timeout"), "coordination.request_timeout " + shown("request_timeout", coordination.request_timeout) +
                                              " must be at most a third of lease_ttl (" + format_duration(ttl) +
                                              "): a keepalive has to finish before the next is due");
    }
    if (coordination.retry_period > ttl) {
      reader.error(at("retry_period"), "coordination.retry_period " + shown("retry_period", coordination.retry_period) +
                                           " must not exceed lease_ttl (" + format_duration(ttl) + ")");
    }
  }
  if (coordination.backend == CoordinationConfig::Backend::etcd && coordination.etcd.endpoints.empty()) {
    reader.error(node["etcd"] ? node["etcd"] : node,
                 "coordination.backend is etcd but coordination.etcd.endpoints is empty; list the cluster's client URLs");
  }
}

std::optional<Config> read_config(YamlReader& reader, YAML::Node root, const std::filesystem::path& file,
                                  const Environment& environment, ConfigUse use) {
  const auto before = reader.diagnostics().size();
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!reader.expect_map(root, "the configuration")) return std::nullopt;
  substitute_environment(reader, root, environment, use);
  reader.reject_unknown_keys(root, {"bot", "slack", "irc", "http", "coordination"}, "the configuration");
  Config config;
  config.file = std::filesystem::absolute(file);
  const auto base = config.file.parent_path();
  config.bot.knowledge_dir = base / "knowledge";
  config.bot.state_dir = base / "state";
  read_bot(reader, root["bot"], base, config.bot);
  read_slack(reader, root["slack"], base, use, config.slack);
  read_irc(reader, root["irc"], base, config.irc);
  read_http(reader, root["http"], config.http);
  read_coordination(reader, root["coordination"], base, environment, use, config.coordination);
  if (config.irc.enabled && config.irc.nick.empty()) config.irc.nick = config.bot.name;
  if (reader.diagnostics().size() != before) return std::nullopt;
  return config;
}

}  // namespace

Environment process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* value = std::getenv(name.c_str())) return std::string(value);
    return std::nullopt;
  };
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0 || name[0] == '\0') return "katabot";
  return name;
}

std::optional<Config> load_config(const std::filesystem::path& file, const Environment& environment,
                                  Diagnostics& diagnostics, ConfigUse use) {
  YamlReader reader(file.string(), diagnostics);
  auto root = reader.load_file();
  if (!root) return std::nullopt;
  return read_config(reader, *root, file, environment, use);
}

std::optional<Config> parse_config(const std::string& yaml_text, const std::filesystem::path& file,
                                   const Environment& environment, Diagnostics& diagnostics, ConfigUse use) {
  YamlReader reader(file.string(), diagnostics);
  auto root = reader.load_string(yaml_text);
  if (!root) return std::nullopt;
  return read_config(reader, *root, file, environment, use);
}

Config offline_default_config() {
  Config config;
  config.file = "(built-in defaults)";
  config.bot.knowledge_dir = find_knowledge_dir();
  config.bot.state_dir = std::filesystem::temp_directory_path() / "katabot-offline";
  config.http.listen.clear();
  return config;
}

std::filesystem::path find_knowledge_dir() {
  const std::filesystem::path candidates[] = {"knowledge", std::filesystem::path(KATABOT_SOURCE_KNOWLEDGE_DIR),
                                              "/usr/share/katabot/knowledge"};
  for (const auto& candidate : candidates) {
    if (std::filesystem::exists(candidate / "topics.yaml")) return std::filesystem::absolute(candidate);
  }
  return std::filesystem::absolute("knowledge");
}

std::optional<std::filesystem::path> find_default_config() {
  for (const std::filesystem::path candidate : {"config/katabot.yaml", "/etc/katabot/katabot.yaml"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return std::nullopt;
}

const std::vector<std::string>& reminder_channels_for(Platform platform, const Config& config) {
  static const std::vector<std::string> none;
  switch (platform) {
    case Platform::slack: return config.slack.reminder_channels;
    case Platform::irc: return config.irc.reminder_channels;
    case Platform::console: return none;
  }
  return none;
}


}  // namespace katabot
