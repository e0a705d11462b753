#include "bot/cli.hpp"

#include <charconv>

#include "knowledge/meetings.hpp"

namespace katabot {

std::variant<CliOptions, CliError> parse_command_line(const std::vector<std::string_view>& arguments) {
  CliOptions options;
  bool mode_given = false;
  const auto set_mode = [&](CliOptions::Mode mode, std::string_view flag) -> std::optional<CliError> {
    if (mode_given && options.mode != mode) return CliError{"katabot: " + std::string(flag) + " cannot be combined with another mode"};
    options.mode = mode;
    mode_given = true;
    return std::nullopt;
  };
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const auto argument = arguments[i];
    const auto value = [&]() -> std::optional<std::string_view> {
      if (i + 1 >= arguments.size()) return std::nullopt;
      return arguments[++i];
    };
    std::optional<CliError> error;
    if (argument == "--config") {
      const auto file = value();
      if (!file) return CliError{"katabot: --config needs a file name"};
      options.config = std::filesystem::path(*file);
    } else if (argument == "--console") {
      error = set_mode(CliOptions::Mode::console, argument);
    } else if (argument == "--check-config") {
      error = set_mode(CliOptions::Mode::check_config, argument);
    } else if (argument == "--check-links") {
      error = set_mode(CliOptions::Mode::check_links, argument);
    } else if (argument == "--ca-file") {
      const auto file = value();
      if (!file) return CliError{"katabot: --ca-file needs a PEM file of trusted CA certificates"};
      options.ca_file = std::filesystem::path(*file);
    } else if (argument == "--link-timeout") {
      const auto text = value();
      const auto timeout = text ? parse_duration(*text) : std::nullopt;
      if (!timeout || *timeout < std::chrono::seconds(1) || *timeout > std::chrono::minutes(5)) {
        return CliError{"katabot: --link-timeout needs a duration from 1s to 5m, such as 10s"};
      }
      options.link_timeout = *timeout;
    } else if (argument == "--schedule") {
      error = set_mode(CliOptions::Mode::schedule, argument);
    } else if (argument == "--ics") {
      error = set_mode(CliOptions::Mode::ics, argument);
    } else if (argument == "--version") {
      error = set_mode(CliOptions::Mode::version, argument);
    } else if (argument == "--help" || argument == "-h") {
      error = set_mode(CliOptions::Mode::help, argument);
    } else if (argument == "--from") {
      const auto from = value();
      if (!from) return CliError{"katabot: --from needs a date such as 2026-12-01 or 2026-12-01T12:00:00Z"};
      options.from = std::string(*from);
    } else if (argument == "--count") {
      const auto text = value();
      std::size_t count = 0;
      if (!text || std::from_chars(text->data(), text->data() + text->size(), count).ptr != text->data() + text->size() ||
          count == 0 || count > 1000) {
        return CliError{"katabot: --count needs a number from 1 to 1000"};
      }
      options.count = count;
    } else {
      return CliError{"katabot: unknown option '" + std::string(argument) + "' (see katabot --help)"};
    }
    if (error) return *error;
  }
  if ((options.from || options.count != 10) && options.mode != CliOptions::Mode::schedule) {
    return CliError{"katabot: --from and --count go with --schedule"};
  }
  if ((options.ca_file || options.link_timeout) && options.mode != CliOptions::Mode::check_links) {
    return CliError{"katabot: --ca-file and --link-timeout go with --check-links"};
  }
  return options;
}

std::string usage_text() {
  return R"(katabot — the Kata Containers community bot (Slack, IRC, meeting reminders)

Usage:
  katabot --config FILE                 run every adapter enabled in FILE until SIGTERM/SIGINT
  katabot --console [--config FILE]     chat on stdin/stdout: "/kata meetings" acts as a Slack slash
                                        command, "!conduct" as an IRC channel line, other lines as
                                        channel chatter (keywords apply); no network, no tokens
  katabot --check-config [--config FILE]
                                        validate config, knowledge base and meetings; exit 0 or 2
  katabot --check-links [--ca-file FILE] [--link-timeout 10s] [--config FILE]
                                        the one mode that goes online: fetch every URL of the
                                        knowledge base (4 at a time) and print FILE:LINE:COL: URL:
                                        status for each that does not answer 2xx; exit 0 or 2
  katabot --schedule [--from ISO8601] [--count N] [--config FILE]
                                        the next N meetings and their reminder times, in UTC
  katabot --ics [--config FILE]         the meetings as an iCalendar (RFC 5545) feed
  katabot --version | --help

Without --config: config/katabot.yaml, then /etc/katabot/katabot.yaml (--console, --schedule,
--ics and --check-links fall back to the knowledge/ folder when neither exists).
Signals: SIGHUP reloads the knowledge base; SIGTERM/SIGINT stop gracefully.
)";
}

}  // namespace katabot

#include <sstream>

#include <date/date.h>

namespace katabot {

std::optional<std::chrono::sys_seconds> parse_instant(const std::string& text) {
  for (const char* format : {"%Y-%m-%dT%H:%M:%S%Ez", "%Y-%m-%dT%H:%M%Ez"}) {
    std::istringstream in(text);
    std::chrono::sys_seconds when;
    in >> date::parse(format, when);
    if (in && in.peek() == std::char_traits<char>::eof()) return when;
  }
  for (const char* format : {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%d"}) {
    std::istringstream in(text);
    std::chrono::sys_seconds when;
    in >> date::parse(format, when);
    if (in && in.peek() == std::char_traits<char>::eof()) return when;
  }
  return std::nullopt;
}

}  // namespace katabot
