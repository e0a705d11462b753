#pragma once
// Turns a rendered reply into PRIVMSG lines: sanitised, split to fit 512 bytes with our real prefix,
// and capped in channels (the rest goes to the asker privately, with a note in the channel).
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace katabot::irc {

struct ReplyLimits {
  std::size_t channel_lines = 3;
  std::size_t private_lines = 15;
  std::size_t line_limit = 512;  // the server's LINELEN
};

struct ReplyAddress {
  std::string own_prefix;  // nick!user@host as the server relays us
  std::string channel;     // empty for a private reply
  std::string nick;        // the asker; empty for announcements, which are capped in the channel instead
};

// Full wire lines ("PRIVMSG target :text"), in sending order.
std::vector<std::string> plan_reply_lines(const std::vector<std::string>& rendered, const ReplyAddress& address,
                                          const ReplyLimits& limits = {});

}  // namespace katabot::irc
