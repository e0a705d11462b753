#pragma once
// The modes that connect to nothing: --check-config, --schedule, --ics, --console.
#include <iosfwd>

#include "bot/cli.hpp"
#include "bot/config.hpp"

namespace katabot {

int check_config(const CliOptions& options, std::ostream& out, std::ostream& err);
int print_schedule(const Config& config, const CliOptions& options, std::ostream& out, std::ostream& err);
int print_ics(const Config& config, std::ostream& out, std::ostream& err);
int run_console_mode(const Config& config, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace katabot
