#pragma once
// Turns a rendered reply into PRIVMSG/NOTICE lines: sanitised and split to fit 512 bytes with our real
// prefix. An answer asked in a channel stays there only if it is one line; a longer one (`!help`) goes
// to the asker by NOTICE with a one-line note in the channel, so nobody can make the bot fill it.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace katabot::irc {

struct ReplyLimits {
  std::size_t answer_channel_lines = 1;  // an answer to someone: longer goes to them by NOTICE
  std::size_t channel_lines = 3;         // an announcement (no asker), capped in the channel
  std::size_t private_lines = 15;
  std::size_t line_limit = 512;  // the server's LINELEN
};

struct ReplyAddress {
  std::string own_prefix;  // nick!user@host as the server relays us
  std::string channel;     // empty for a private reply
  std::string nick;        // the asker; empty for announcements, which are capped in the channel instead
};

// Full wire lines ("PRIVMSG target :text", "NOTICE nick :text"), in sending order.
std::vector<std::string> plan_reply_lines(const std::vector<std::string>& rendered, const ReplyAddress& address,
                                          const ReplyLimits& limits = {});

}  // namespace katabot::irc
