#pragma once
// The command line (contract: shared/design/interfaces.md "Command line").
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace katabot {

struct CliOptions {
  enum class Mode { run, console, check_config, check_links, schedule, ics, version, help };
  Mode mode = Mode::run;
  std::optional<std::filesystem::path> config;
  std::optional<std::string> from;  // --schedule start, ISO 8601
  std::size_t count = 10;           // --schedule occurrences
  std::optional<std::filesystem::path> ca_file;       // --check-links: trusted besides the system store
  std::optional<std::chrono::seconds> link_timeout;   // --check-links: per URL
};

struct CliError {
  std::string message;
};

std::variant<CliOptions, CliError> parse_command_line(const std::vector<std::string_view>& arguments);
std::string usage_text();

}  // namespace katabot

#include <chrono>

namespace katabot {

// "2026-12-01", "2026-12-01T12:00:00Z", "2026-12-01T12:00+01:00", … → an instant (UTC when no offset).
std::optional<std::chrono::sys_seconds> parse_instant(const std::string& text);

}  // namespace katabot
