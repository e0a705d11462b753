#pragma once
// A message as an adapter hands it to the router: who said what, where, and how.
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "bot/platform.hpp"
#include "handlers/reply.hpp"

namespace katabot {

enum class InboundKind {
  slash_command,   // Slack /kata …: text is what follows the command
  direct_message,  // a private message / DM: no prefix needed
  mention,         // @katabot … in a channel: text without the mention
  channel_line,    // ordinary channel chatter: prefix or name needed, keywords apply
};

struct Inbound {
  Platform platform = Platform::console;
  InboundKind kind = InboundKind::channel_line;
  std::string channel;        // channel id / name; for DMs the conversation id or sender nick
  std::string user_id;        // Slack user id, IRC nick
  std::string user_name;      // display name, for logs and replies
  std::string account;        // IRC services account when the server tells (account-tag), else empty
  std::string text;
  std::string user_timezone;  // IANA zone of the asker if the platform tells (Slack users.info)
  std::string bot_nick;       // IRC: the nick the bot has now ("katabot_" after a fallback); else empty: bot.name
};

// The router, as adapters see it: a reply, or nothing when the line was not for the bot.
using InboundHandler = std::function<std::optional<Reply>(const Inbound&)>;

}  // namespace katabot
