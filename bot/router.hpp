#pragma once
// Turns what people say into answers: finds the command (slash command, `!word`, `katabot: word`,
// a DM or a mention), or the topic their words are about, applies rate limits, cooldowns and admin
// checks, and calls the handler.
#include <functional>
#include <memory>
#include <optional>

#include "bot/config.hpp"
#include "bot/inbound.hpp"
#include "bot/metrics.hpp"
#include "bot/rate_limiter.hpp"
#include "handlers/command_registry.hpp"

namespace katabot {

struct RouterSettings {
  std::string bot_name = "katabot";
  std::string irc_command_prefix = "!";
  std::string slack_command = "/kata";
  AdminsConfig admins;
  // Commands per user: a burst, then one more every refill period (12 a minute).
  double user_burst = 6;
  std::chrono::milliseconds user_refill{5000};
  // Keyword answers: the same subject at most once per channel per period, and one per user per period.
  std::chrono::seconds keyword_channel_cooldown{600};
  std::chrono::seconds keyword_user_cooldown{120};
  // How much of a message is looked at: far more than any command or question, and it bounds the
  // work per message.
  std::size_t max_routed_code_points = 1000;
};

RouterSettings router_settings(const Config& config);

class Router {
 public:
  using Snapshot = std::function<std::shared_ptr<const KnowledgeBase>()>;

  Router(RouterSettings settings, const CommandRegistry& registry, Snapshot snapshot, const Clock& clock,
         Metrics& metrics);

  // The answer, or nothing when the line was not for the bot (or the asker is being rate-limited).
  std::optional<Reply> route(const Inbound& inbound);
  // An IRC admin command without a services account: the adapter asks services (WHOIS) first.
  bool needs_account(const Inbound& inbound) const;

 private:
  std::optional<Reply> answer_addressed(const Inbound& inbound, std::string_view text, const KnowledgeBase& knowledge);
  std::optional<Reply> listen_for_keywords(const Inbound& inbound, std::string_view text,
                                           const KnowledgeBase& knowledge);
  std::optional<Reply> run_command(const Command& command, const Inbound& inbound, const Request& request,
                                   const KnowledgeBase& knowledge);
  Reply subject_reply(const Subject& subject, const Request& request, const KnowledgeBase& knowledge);
  Reply unknown_word_reply(const std::string& word, const Request& request, const KnowledgeBase& knowledge);
  Reply suggestion_reply(const std::vector<Subject>& candidates, const Request& request,
                         const KnowledgeBase& knowledge) const;
  Reply no_answer_reply(const Request& request) const;
  std::string command_for(const Subject& subject, const KnowledgeBase& knowledge) const;
  // The text after "name:" or "name," when addressed to `name`.
  // The text a command is read from when the line is for the bot; nothing for channel chatter.
  std::optional<std::string_view> addressed_text(const Inbound& inbound, std::string_view text) const;
  std::optional<std::string_view> strip_address(std::string_view text, std::string_view name) const;
  bool is_admin(const Inbound& inbound) const;
  // Every admin command and every refusal leaves a log line: who, where and what.
  void log_admin_command(const Command& command, const Inbound& inbound, const Request& request, bool allowed) const;
  std::string command_prefix(const Inbound& inbound) const;

  RouterSettings settings_;
  const CommandRegistry& registry_;
  Snapshot snapshot_;
  const Clock& clock_;
  Metrics& metrics_;
  TokenBuckets user_commands_;
  Cooldowns keyword_per_channel_;
  Cooldowns keyword_per_user_;
};

}  // namespace katabot
