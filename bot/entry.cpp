#include "bot/entry.hpp"

#include <iostream>
#include <string_view>
#include <vector>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "bot/app.hpp"
#include "bot/link_checker.hpp"
#include "bot/offline_modes.hpp"

namespace katabot {
namespace {

// Offline modes use the given config, else the default one if present, else built-in defaults.
std::optional<Config> offline_config(const CliOptions& options) {
  const auto file = options.config ? options.config : find_default_config();
  if (!file) return offline_default_config();
  Diagnostics diagnostics;
  auto config = load_config(*file, process_environment(), diagnostics, ConfigUse::offline);
  for (const auto& diagnostic : diagnostics) std::cerr << diagnostic.to_string() << "\n";
  return config;
}

}  // namespace

int run_katabot(int argc, char** argv) {
  // Logs go to stderr so that stdout carries only answers (--console, --schedule, --ics).
  spdlog::set_default_logger(spdlog::stderr_color_st("katabot"));
  std::vector<std::string_view> arguments(argv + 1, argv + argc);
  const auto parsed = parse_command_line(arguments);
  if (const auto* error = std::get_if<CliError>(&parsed)) {
    std::cerr << error->message << "\n";
    return 2;
  }
  const auto& options = std::get<CliOptions>(parsed);
  switch (options.mode) {
    case CliOptions::Mode::help: std::cout << usage_text(); return 0;
    case CliOptions::Mode::version: std::cout << "katabot " << KATABOT_VERSION << "\n"; return 0;
    case CliOptions::Mode::check_config: return check_config(options, std::cout, std::cerr);
    case CliOptions::Mode::schedule:
    case CliOptions::Mode::ics:
    case CliOptions::Mode::check_links:
    case CliOptions::Mode::console: {
      const auto config = offline_config(options);
      if (!config) return 2;
      if (options.mode == CliOptions::Mode::check_links) return check_links(*config, options, std::cout, std::cerr);
      if (options.mode == CliOptions::Mode::schedule) return print_schedule(*config, options, std::cout, std::cerr);
      if (options.mode == CliOptions::Mode::ics) return print_ics(*config, std::cout, std::cerr);
      return run_console_mode(*config, std::cin, std::cout, std::cerr);
    }
    case CliOptions::Mode::run: break;
  }
  const auto file = options.config ? options.config : find_default_config();
  if (!file) {
    std::cerr << "katabot: no configuration file: give --config FILE, or create config/katabot.yaml or "
                 "/etc/katabot/katabot.yaml (try katabot --console for a demo)\n";
    return 2;
  }
  Diagnostics diagnostics;
  const auto config = load_config(*file, process_environment(), diagnostics);
  for (const auto& diagnostic : diagnostics) std::cerr << diagnostic.to_string() << "\n";
  if (!config) return 2;
  return run_app(*config);
}

}  // namespace katabot
