#pragma once
// A PRIVMSG as the IRC session hands it on: who, where, what, and the services account when known.
#include <string>

namespace katabot::irc {

struct ChatMessage {
  std::string nick;
  std::string userhost;  // user@host of the sender
  std::string target;    // the channel, or our nick for a private message
  std::string text;      // decoded, formatting stripped
  std::string account;   // from the account tag (when negotiated) or a WHOIS answer; else empty
  bool is_private = false;
  bool account_checked = false;  // the account is as services told: asking again would not change it
};

}  // namespace katabot::irc
