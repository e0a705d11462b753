#include "bot/console/console_session.hpp"

#include <istream>
#include <ostream>

#include "bot/irc/reply_lines.hpp"
#include "bot/render.hpp"

namespace katabot {

Inbound console_inbound(const ConsoleSettings& settings, const std::string& line) {
  Inbound inbound;
  inbound.user_id = console_user;
  inbound.account = console_user;
  inbound.user_name = "you";
  const auto& command = settings.slack_command;
  if (line == command || line.starts_with(command + " ")) {
    inbound.platform = Platform::slack;
    inbound.kind = InboundKind::slash_command;
    inbound.channel = "C0CONSOLE";
    inbound.text = line.substr(std::min(line.size(), command.size() + 1));
  } else if (line.starts_with(settings.irc_prefix)) {
    inbound.platform = Platform::irc;
    inbound.kind = InboundKind::channel_line;
    inbound.channel = "#kata-dev";
    inbound.text = line;
  } else {
    inbound.platform = Platform::console;
    inbound.kind = InboundKind::channel_line;
    inbound.channel = "#kata-dev";
    inbound.text = line;
  }
  return inbound;
}

std::string render_for_console(const ConsoleSettings& settings, const Inbound& inbound, const Reply& reply) {
  std::string block;
  if (inbound.platform == Platform::slack) {
    block = reply.visibility == Visibility::ephemeral ? "[Slack, only visible to you]\n" : "[Slack, in channel]\n";
    block += render_slack_mrkdwn(reply) + "\n";
    return block;
  }
  block = inbound.platform == Platform::irc ? "[IRC " + inbound.channel + "]\n" : "[" + inbound.channel + "]\n";
  // The lines the IRC adapter would send: split to 512 bytes, capped in the channel, the rest private.
  const irc::ReplyAddress address{settings.bot_name + "!" + settings.bot_name + "@katabot.example", inbound.channel,
                                  inbound.user_name};
  const auto channel_target = "PRIVMSG " + inbound.channel + " :";
  for (const auto& wire : irc::plan_reply_lines(render_irc_lines(reply), address)) {
    const auto text_at = wire.find(" :");
    const auto text = text_at == std::string::npos ? wire : wire.substr(text_at + 2);
    block += (wire.starts_with(channel_target) ? "" : "(privately to " + inbound.user_name + ") ") + "<" +
             settings.bot_name + "> " + text + "\n";
  }
  return block;
}

// At the console one person talks to the bot, so a question that no keyword answers is taken as
// asked of the bot, as "katabot: …" would be in a channel.
std::optional<Reply> answer_console_line(const InboundHandler& handler, Inbound inbound) {
  auto reply = handler(inbound);
  const auto text = std::string_view(inbound.text);
  const auto last = text.find_last_not_of(" \t");
  if (reply || inbound.platform != Platform::console || last == std::string_view::npos || text[last] != '?') return reply;
  inbound.kind = InboundKind::direct_message;
  return handler(inbound);
}

int run_console(const ConsoleSettings& settings, const InboundHandler& handler, std::istream& in, std::ostream& out) {
  if (settings.interactive) {
    out << "katabot console — type " << settings.slack_command << " help (as in Slack), " << settings.irc_prefix
        << "help (as in IRC), or just chat. Ctrl-D quits.\n";
  }
  std::string line;
  while (true) {
    if (settings.interactive) out << "> " << std::flush;
    if (!std::getline(in, line)) break;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const auto inbound = console_inbound(settings, line);
    if (const auto reply = answer_console_line(handler, inbound)) {
      out << render_for_console(settings, inbound, *reply);
    } else {
      out << "[" << (inbound.platform == Platform::irc ? "IRC " : "") << inbound.channel << "]\n(" << settings.bot_name
          << " stays quiet: nothing here is for the bot)\n";
    }
    out << "\n" << std::flush;
  }
  if (settings.interactive) out << "\n";
  return 0;
}

}  // namespace katabot
