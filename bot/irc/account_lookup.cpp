#include "bot/irc/account_lookup.hpp"

#include <spdlog/spdlog.h>

namespace katabot::irc {
namespace {

// Entries beyond this are pruned of expired ones; the map never holds more than a busy hour's askers.
constexpr std::size_t known_prune_at = 256;
// The log names the command, not the whole line: the arguments are anyone's text.
constexpr std::size_t logged_text_bytes = 40;

}  // namespace

bool AccountLookup::hold(ChatMessage message, const std::string& folded_nick, time_point now,
                         std::vector<ChatMessage>& released) {
  if (const auto known = known_.find(folded_nick); known != known_.end()) {
    if (now < known->second.expires) {
      message.account = known->second.account;
      message.account_checked = true;
      released.push_back(std::move(message));
      return false;
    }
    known_.erase(known);
  }
  auto waiting = waiting_.find(folded_nick);
  const bool new_nick = waiting == waiting_.end();
  if ((new_nick && waiting_.size() >= settings_.max_waiting_nicks) ||
      (!new_nick && waiting->second.messages.size() >= settings_.max_messages_per_nick)) {
    spdlog::warn("irc: too many account lookups waiting; {} in {} is treated as not identified", message.nick,
                 message.target);
    message.account_checked = true;
    released.push_back(std::move(message));
    return false;
  }
  if (new_nick) waiting = waiting_.emplace(folded_nick, Waiting{{}, now + settings_.answer_timeout, {}}).first;
  waiting->second.messages.push_back(std::move(message));
  return new_nick;
}

void AccountLookup::on_account(const std::string& folded_nick, std::string account) {
  if (const auto waiting = waiting_.find(folded_nick); waiting != waiting_.end()) {
    waiting->second.account = std::move(account);
  }
}

void AccountLookup::on_end(const std::string& folded_nick, time_point now, std::vector<ChatMessage>& released) {
  const auto waiting = waiting_.find(folded_nick);
  if (waiting == waiting_.end()) return;
  const auto account = waiting->second.account;
  if (known_.size() >= known_prune_at) std::erase_if(known_, [&](const auto& entry) { return now >= entry.second.expires; });
  if (known_.size() < known_prune_at) known_[folded_nick] = Known{account, now + settings_.remembered_for};
  release(waiting->second, account, "WHOIS", released);
  waiting_.erase(waiting);
}

void AccountLookup::on_tick(time_point now, std::vector<ChatMessage>& released) {
  for (auto waiting = waiting_.begin(); waiting != waiting_.end();) {
    if (now < waiting->second.deadline) {
      ++waiting;
      continue;
    }
    release(waiting->second, "", "no WHOIS answer in time", released);
    waiting = waiting_.erase(waiting);
  }
}

void AccountLookup::forget(const std::string& folded_nick) { known_.erase(folded_nick); }

void AccountLookup::release(Waiting& waiting, const std::string& account, const char* why,
                            std::vector<ChatMessage>& released) {
  for (auto& message : waiting.messages) {
    const auto what = std::string_view(message.text).substr(0, logged_text_bytes);
    if (account.empty()) {
      spdlog::warn("irc: {} ({}) in {} is not identified with services ({}); asked '{}'", message.nick,
                   message.userhost, message.target, why, what);
    } else {
      spdlog::info("irc: {} ({}) in {} is services account '{}' ({}); asked '{}'", message.nick, message.userhost,
                   message.target, account, why, what);
    }
    message.account = account;
    message.account_checked = true;
    released.push_back(std::move(message));
  }
}

}  // namespace katabot::irc
