#include "bot/router.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "handlers/did_you_mean.hpp"
#include "handlers/meetings_handler.hpp"
#include "handlers/topic_handler.hpp"
#include "handlers/user_echo.hpp"
#include "knowledge/utf8_cut.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

std::string_view trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return text.substr(first, last - first + 1);
}

// "Conduct?" → "conduct": the first word as a command word.
std::string command_word(std::string_view first_word) {
  auto word = ascii_lower(first_word);
  while (!word.empty() && std::ispunct(static_cast<unsigned char>(word.back())) && word.back() != '-') word.pop_back();
  return word;
}

std::string user_key(const Inbound& inbound) {
  return std::string(platform_name(inbound.platform)) + "\n" + inbound.user_id;
}

bool contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

RouterSettings router_settings(const Config& config) {
  RouterSettings settings;
  settings.bot_name = config.bot.name;
  settings.irc_command_prefix = config.irc.command_prefix;
  settings.slack_command = config.slack.command;
  settings.admins = config.bot.admins;
  return settings;
}

Router::Router(RouterSettings settings, const CommandRegistry& registry, Snapshot snapshot, const Clock& clock,
               Metrics& metrics)
    : settings_(std::move(settings)),
      registry_(registry),
      snapshot_(std::move(snapshot)),
      clock_(clock),
      metrics_(metrics),
      user_commands_(settings_.user_burst, settings_.user_refill),
      keyword_per_channel_(settings_.keyword_channel_cooldown),
      keyword_per_user_(settings_.keyword_user_cooldown) {}

std::string Router::command_prefix(const Inbound& inbound) const {
  return inbound.platform == Platform::slack ? settings_.slack_command + " " : settings_.irc_command_prefix;
}

std::optional<std::string_view> Router::strip_address(std::string_view text, std::string_view name) const {
  if (text.starts_with('@')) text.remove_prefix(1);
  if (text.size() <= name.size() || ascii_lower(text.substr(0, name.size())) != ascii_lower(name)) return std::nullopt;
  const char separator = text[name.size()];
  if (separator != ':' && separator != ',') return std::nullopt;
  return trim(text.substr(name.size() + 1));
}

std::optional<std::string_view> Router::addressed_text(const Inbound& inbound, std::string_view text) const {
  const auto& prefix = settings_.irc_command_prefix;
  // People address the nick they see, which is not bot.name after an IRC nick fallback.
  const std::string_view name = inbound.bot_nick.empty() ? settings_.bot_name : inbound.bot_nick;
  switch (inbound.kind) {
    case InboundKind::slash_command:
      return text;
    case InboundKind::direct_message:
    case InboundKind::mention: {
      auto addressed = strip_address(text, name).value_or(text);
      if (addressed.starts_with(prefix)) addressed.remove_prefix(prefix.size());
      return addressed;
    }
    case InboundKind::channel_line:
      if (text.size() > prefix.size() && text.starts_with(prefix) &&
          !std::isspace(static_cast<unsigned char>(text[prefix.size()]))) {
        return text.substr(prefix.size());
      }
      return strip_address(text, name);
  }
  return std::nullopt;
}

bool Router::needs_account(const Inbound& inbound) const {
  if (inbound.platform != Platform::irc || !inbound.account.empty()) return false;
  const auto addressed = addressed_text(inbound, trim(first_code_points(inbound.text, settings_.max_routed_code_points)));
  if (!addressed) return false;
  const auto text = trim(*addressed);
  const auto* command = registry_.find(command_word(text.substr(0, text.find_first_of(" \t"))));
  return command && command->admin;
}

std::optional<Reply> Router::route(const Inbound& inbound) {
  const auto knowledge = snapshot_();
  if (!knowledge) return std::nullopt;
  metrics_.increment("katabot_messages_in_total", {{"platform", std::string(platform_name(inbound.platform))}});
  // Only the head of a message is routed: a Slack message may hold 40 000 characters, and past this
  // cap matching and did-you-mean would cost time in proportion to what an attacker sends.
  const auto text = trim(first_code_points(inbound.text, settings_.max_routed_code_points));
  if (const auto addressed = addressed_text(inbound, text)) return answer_addressed(inbound, *addressed, *knowledge);
  return listen_for_keywords(inbound, text, *knowledge);
}

std::optional<Reply> Router::answer_addressed(const Inbound& inbound, std::string_view text,
                                              const KnowledgeBase& knowledge) {
  const auto now = clock_.now();
  switch (user_commands_.take(user_key(inbound), now)) {
    case TokenBuckets::Verdict::allowed: break;
    case TokenBuckets::Verdict::refused_first: {
      metrics_.increment("katabot_rate_limited_total", {{"platform", std::string(platform_name(inbound.platform))}});
      Reply reply;
      reply.text = "You're asking faster than I can answer; I'll listen to you again in " +
                   std::to_string(user_commands_.wait_for(user_key(inbound), now).count()) + " seconds.";
      reply.mrkdwn = reply.text;
      return reply;
    }
    case TokenBuckets::Verdict::refused_again:
      metrics_.increment("katabot_rate_limited_total", {{"platform", std::string(platform_name(inbound.platform))}});
      return std::nullopt;
  }

  text = trim(text);
  const auto space = text.find_first_of(" \t");
  Request request;
  request.command = command_word(text.substr(0, space));
  request.args = space == std::string_view::npos ? "" : std::string(trim(text.substr(space)));
  request.command_prefix = command_prefix(inbound);
  request.user_timezone = inbound.user_timezone;
  if (request.command.empty()) request.command = "help";

  // Only a first word that is a command or a topic makes a command; anything else is a question,
  // and the whole sentence is what is asked.
  if (const auto* command = registry_.find(request.command)) {
    // "help me install kata" asks about installing, not for help on a command called "me".
    const auto next_word = command_word(request.args.substr(0, request.args.find_first_of(" \t")));
    const bool asks_a_question = command->name == "help" && !next_word.empty() && registry_.find(next_word) == nullptr &&
                                 knowledge.find_topic(next_word) == nullptr;
    if (!asks_a_question) return run_command(*command, inbound, request, knowledge);
    const auto match = knowledge.match_free_text(text);
    if (match.confidence != FreeTextMatch::Confidence::sure) return run_command(*command, inbound, request, knowledge);
    metrics_.increment("katabot_commands_total", {{"command", "free-text"}});
    return subject_reply(match.candidates.front(), request, knowledge);
  }
  if (const auto* topic = knowledge.find_topic(request.command)) {
    metrics_.increment("katabot_commands_total", {{"command", topic->id}});
    return topic_reply(*topic);
  }
  const auto match = knowledge.match_free_text(text);
  const bool one_word = space == std::string_view::npos;
  if (match.confidence == FreeTextMatch::Confidence::sure) {
    metrics_.increment("katabot_commands_total", {{"command", "free-text"}});
    return subject_reply(match.candidates.front(), request, knowledge);
  }
  // A lone unknown word is most often a mistyped command: did-you-mean serves it better.
  if (match.confidence == FreeTextMatch::Confidence::unsure && !one_word) {
    metrics_.increment("katabot_commands_total", {{"command", "free-text-unsure"}});
    return suggestion_reply(match.candidates, request, knowledge);
  }
  metrics_.increment("katabot_commands_total", {{"command", "unknown"}});
  if (one_word) return unknown_word_reply(request.command, request, knowledge);
  return no_answer_reply(request);
}

std::optional<Reply> Router::run_command(const Command& command, const Inbound& inbound, const Request& request,
                                         const KnowledgeBase& knowledge) {
  if (command.admin) log_admin_command(command, inbound, request, is_admin(inbound));
  if (command.admin && !is_admin(inbound)) {
    Reply reply;
    reply.text = "Sorry, " + request.command_prefix + command.name + " is only for the bot's admins.";
    reply.mrkdwn = "Sorry, `" + request.command_prefix + command.name + "` is only for the bot's admins.";
    return reply;
  }
  metrics_.increment("katabot_commands_total", {{"command", command.name}});
  return command.handler(request, knowledge, clock_);
}

Reply Router::subject_reply(const Subject& subject, const Request& request, const KnowledgeBase& knowledge) {
  if (subject.kind == Subject::Kind::topic) return topic_reply(knowledge.topic(subject));
  return meeting_reply(knowledge.meeting(subject), request, clock_);
}

// How to ask about a subject where the asker is: its topic command, or `next` for a meeting.
std::string Router::command_for(const Subject& subject, const KnowledgeBase& knowledge) const {
  if (subject.kind == Subject::Kind::topic) return knowledge.topic(subject).id;
  return knowledge.meetings().size() == 1 ? "next" : "next " + knowledge.meeting(subject).id;
}

Reply Router::suggestion_reply(const std::vector<Subject>& candidates, const Request& request,
                               const KnowledgeBase& knowledge) const {
  std::string plain;
  std::string marked;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto command = request.command_prefix + command_for(candidates[i], knowledge);
    const auto& title = candidates[i].kind == Subject::Kind::topic ? knowledge.topic(candidates[i]).title
                                                                    : knowledge.meeting(candidates[i]).title;
    const auto* joint = i == 0 ? "" : " or ";
    plain += joint + command + " (" + title + ")";
    marked += joint + ("`" + command + "` (" + escape_mrkdwn(title) + ")");
  }
  Reply reply;
  reply.text = "Do you mean " + plain + "?";
  reply.mrkdwn = "Do you mean " + marked + "?";
  return reply;
}

Reply Router::no_answer_reply(const Request& request) const {
  Reply reply;
  reply.text = "I have no answer to that. Try " + request.command_prefix + "help for what I know, or ask in other words.";
  reply.mrkdwn = "I have no answer to that. Try `" + request.command_prefix + "help` for what I know, or ask in other words.";
  return reply;
}

Reply Router::unknown_word_reply(const std::string& word, const Request& request, const KnowledgeBase& knowledge) {
  const auto suggestions = closest_words(word, registry_.all_words(knowledge));
  // Never more than one short token back into the channel (see may_echo).
  const bool quoted = may_echo(word);
  std::string text = quoted ? "I don't know \"" + word + "\"." : "I don't know that word.";
  std::string rich = quoted ? "I don't know " + quote_mrkdwn(word) + "." : text;
  if (!suggestions.empty()) {
    std::string plain;
    std::string marked;
    for (const auto& suggestion : suggestions) {
      plain += (plain.empty() ? "" : ", ") + request.command_prefix + suggestion;
      marked += (marked.empty() ? "" : ", ") + ("`" + request.command_prefix + suggestion + "`");
    }
    text += " Did you mean " + plain + "?";
    rich += " Did you mean " + marked + "?";
  }
  Reply reply;
  reply.text = text + " Try " + request.command_prefix + "help for what I know.";
  reply.mrkdwn = rich + " Try `" + request.command_prefix + "help` for what I know.";
  return reply;
}

std::optional<Reply> Router::listen_for_keywords(const Inbound& inbound, std::string_view text,
                                                 const KnowledgeBase& knowledge) {
  const auto subject = knowledge.match_keywords(text);
  if (!subject) return std::nullopt;
  const auto now = clock_.now();
  const auto channel_key = std::string(platform_name(inbound.platform)) + "\n" + inbound.channel + "\n" +
                           std::to_string(static_cast<int>(subject->kind)) + "\n" + std::to_string(subject->index);
  if (keyword_per_user_.cooling(user_key(inbound), now) || keyword_per_channel_.cooling(channel_key, now)) {
    return std::nullopt;
  }
  keyword_per_user_.start(user_key(inbound), now);
  keyword_per_channel_.start(channel_key, now);
  metrics_.increment("katabot_keyword_answers_total", {{"platform", std::string(platform_name(inbound.platform))}});
  Request request;
  request.command_prefix = command_prefix(inbound);
  request.user_timezone = inbound.user_timezone;
  auto reply = subject_reply(*subject, request, knowledge);
  reply.visibility = Visibility::in_channel;
  return reply;
}

void Router::log_admin_command(const Command& command, const Inbound& inbound, const Request& request, bool allowed) const {
  // Who (id, account, name), where and what, bounded: the arguments are typed by anyone.
  const auto args = single_line(request.args, 200);
  const auto name = single_line(inbound.user_name, 80);
  if (allowed) {
    spdlog::info("admin command '{} {}' by {} (account '{}', name '{}') on {} in {}", command.name, args, inbound.user_id,
                 inbound.account, name, platform_name(inbound.platform), inbound.channel);
  } else {
    spdlog::warn("refused admin command '{} {}' from {} (account '{}', name '{}') on {} in {}: not an admin", command.name,
                 args, inbound.user_id, inbound.account, name, platform_name(inbound.platform), inbound.channel);
  }
}

bool Router::is_admin(const Inbound& inbound) const {
  switch (inbound.platform) {
    case Platform::console: return true;  // only the console adapter produces these
    case Platform::slack: return contains(settings_.admins.slack_users, inbound.user_id);
    case Platform::irc: return !inbound.account.empty() && contains(settings_.admins.irc_accounts, inbound.account);
  }
  return false;
}

}  // namespace katabot
