#include "bot/config.hpp"

#include <cstdlib>
#include <optional>
#include <regex>

#include "bot/net/tls_files.hpp"
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

std::optional<Config> read_config(YamlReader& reader, YAML::Node root, const std::filesystem::path& file,
                                  const Environment& environment, ConfigUse use) {
  const auto before = reader.diagnostics().size();
  if (root.IsNull()) root = YAML::Node(YAML::NodeType::Map);
  if (!reader.expect_map(root, "the configuration")) return std::nullopt;
  substitute_environment(reader, root, environment, use);
  reader.reject_unknown_keys(root, {"bot", "slack", "irc", "http"}, "the configuration");
  Config config;
  config.file = std::filesystem::absolute(file);
  const auto base = config.file.parent_path();
  config.bot.knowledge_dir = base / "knowledge";
  config.bot.state_dir = base / "state";
  read_bot(reader, root["bot"], base, config.bot);
  read_slack(reader, root["slack"], base, use, config.slack);
  read_irc(reader, root["irc"], base, config.irc);
  read_http(reader, root["http"], config.http);
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
