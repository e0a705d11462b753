#pragma once
#include "bot/config.hpp"

namespace katabot {

// Runs every adapter enabled in `config` on one io_context until SIGTERM/SIGINT; SIGHUP reloads the
// knowledge base. Returns the process exit code.
int run_app(const Config& config);

}  // namespace katabot
