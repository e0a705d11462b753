#pragma once

namespace katabot {

// Parses the command line and runs the chosen mode; returns the process exit code.
int run_katabot(int argc, char** argv);

}  // namespace katabot
