#pragma once
// Which services account is behind a nick, asked the way OFTC allows: WHOIS, answered by 330
// ("is logged in as <account>") or 307 ("has identified for this nick": the nick is the account),
// then 318. Without I/O: the session feeds it numerics and ticks, and sends the WHOIS it asks for.
// Messages wait here until their sender's answer, bounded in number and in time.
#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "bot/irc/chat_message.hpp"

namespace katabot::irc {

struct AccountLookupSettings {
  std::chrono::steady_clock::duration answer_timeout = std::chrono::seconds(10);  // no 318 by then: not identified
  std::chrono::steady_clock::duration remembered_for = std::chrono::seconds(60);
  std::size_t max_waiting_nicks = 16;
  std::size_t max_messages_per_nick = 4;
};

class AccountLookup {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit AccountLookup(AccountLookupSettings settings) : settings_(settings) {}

  // Holds `message` until its sender's account is known; `folded_nick` is the sender's casefolded nick.
  // Returns true when a WHOIS must be sent for it. A message that cannot wait goes to `released`.
  bool hold(ChatMessage message, const std::string& folded_nick, time_point now, std::vector<ChatMessage>& released);
  // 330 or 307 for a nick we asked about.
  void on_account(const std::string& folded_nick, std::string account);
  // 318: the answer is complete.
  void on_end(const std::string& folded_nick, time_point now, std::vector<ChatMessage>& released);
  void on_tick(time_point now, std::vector<ChatMessage>& released);
  // NICK or QUIT: what we knew about this nick may belong to someone else now.
  void forget(const std::string& folded_nick);

 private:
  struct Waiting {
    std::string account;
    time_point deadline;
    std::vector<ChatMessage> messages;
  };
  struct Known {
    std::string account;  // empty: not identified
    time_point expires;
  };

  void release(Waiting& waiting, const std::string& account, const char* why, std::vector<ChatMessage>& released);

  AccountLookupSettings settings_;
  std::map<std::string, Waiting> waiting_;
  std::map<std::string, Known> known_;
};

}  // namespace katabot::irc
