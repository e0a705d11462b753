#pragma once
// The console adapter: a terminal chat with no network and no tokens. `/kata …` lines act as
// Slack slash commands, `!…` lines as IRC channel lines, anything else as channel chatter; each
// answer is printed the way its platform would show it, one block per input line. A chatter line
// ending in "?" that no keyword answers is taken as a question to the bot.
#include <iosfwd>
#include <string>

#include "bot/inbound.hpp"

namespace katabot {

// The user id (and IRC account) of whoever types at the console.
inline constexpr const char* console_user = "console";

struct ConsoleSettings {
  std::string slack_command = "/kata";
  std::string irc_prefix = "!";
  std::string bot_name = "katabot";
  bool interactive = false;  // print a prompt and a greeting
};

// Reads `in` to its end; returns the process exit code.
int run_console(const ConsoleSettings& settings, const InboundHandler& handler, std::istream& in, std::ostream& out);

// What one input line becomes (exposed for tests).
Inbound console_inbound(const ConsoleSettings& settings, const std::string& line);
// How the reply looks on the platform the line was sent to.
std::string render_for_console(const ConsoleSettings& settings, const Inbound& inbound, const Reply& reply);

}  // namespace katabot
