#include "handlers/command_registry.hpp"

#include "handlers/admin_handler.hpp"
#include "handlers/meetings_handler.hpp"
#include "handlers/user_echo.hpp"
#include "handlers/schedule_admin_handler.hpp"
#include "knowledge/utf8_cut.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {

namespace {

std::string usage(const std::string& prefix, const Command& command) {
  return prefix + command.name + (command.arguments.empty() ? "" : " " + command.arguments);
}

// Slack reads <meeting> as a control sequence, code span or not: the placeholders are escaped.
std::string usage_mrkdwn(const std::string& prefix, const Command& command) {
  return "`" + escape_mrkdwn(usage(prefix, command)) + "` — " + escape_mrkdwn(command.summary);
}

}  // namespace

CommandRegistry::CommandRegistry() {
  commands_ = {
      {"help", "[command]", "what I can answer, or how to use one command", false,
       [this](const Request& request, const KnowledgeBase& knowledge, const Clock&) { return help(request, knowledge); }},
      {"meetings", "[time zone]", "every community meeting with day, time, agenda and calendar links", false,
       meetings_reply},
      {"next", "[time zone]", "the next meeting and how long until it starts", false, next_meeting_reply},
      {"status", "", "what the bot has loaded (admins)", true, status_reply},
      {"reload", "", "reload the knowledge base and meetings (admins)", true, reload_reply},
      {"skip", "<meeting> <date> [reason]", "cancel one occurrence of a meeting (admins)", true, skip_reply},
      {"unskip", "<meeting> <date>", "undo a skip or a move (admins)", true, unskip_reply},
      {"move", "<meeting> <date> <HH:MM> [zone]", "hold one occurrence at another time (admins)", true, move_reply},
      {"announce", "<meeting> [note]", "post the next meeting's reminder now, with a note (admins)", true, announce_reply},
  };
}

const Command* CommandRegistry::find(std::string_view word) const {
  for (const auto& command : commands_) {
    if (command.name == word) return &command;
  }
  return nullptr;
}

CommandWords CommandRegistry::reserved_words() const {
  CommandWords words;
  for (const auto& command : commands_) words.insert(command.name);
  return words;
}

std::vector<std::string> CommandRegistry::all_words(const KnowledgeBase& knowledge) const {
  std::vector<std::string> words;
  for (const auto& command : commands_) {
    if (!command.admin) words.push_back(command.name);
  }
  const auto topic_words = knowledge.command_words();
  words.insert(words.end(), topic_words.begin(), topic_words.end());
  return words;
}

Reply CommandRegistry::help(const Request& request, const KnowledgeBase& knowledge) const {
  if (!request.args.empty()) return help_for(ascii_lower(request.args.substr(0, request.args.find(' '))), request, knowledge);
  const auto& prefix = request.command_prefix;
  Reply reply;
  std::string commands_line;
  std::string rich = "*Commands*";
  for (const auto& command : commands_) {
    if (command.admin) continue;
    commands_line += (commands_line.empty() ? "" : " ") + prefix + command.name;
    rich += "\n• " + usage_mrkdwn(prefix, command);
  }
  std::string topics_line;
  rich += "\n*Topics*";
  for (const auto& topic : knowledge.topics()) {
    topics_line += (topics_line.empty() ? "" : " ") + prefix + topic.id;
    rich += "\n• `" + prefix + topic.id + "` — " + escape_mrkdwn(topic.title);
  }
  reply.text = "Commands: " + commands_line + "\nTopics: " + topics_line + "\nAsk me in words too, or try " + prefix +
               "help <command>.";
  rich += "\nYou can also ask in plain words, e.g. `" + prefix + "how do I report a security bug?`";
  reply.mrkdwn = rich;
  return reply;
}

Reply CommandRegistry::help_for(const std::string& word, const Request& request, const KnowledgeBase& knowledge) const {
  const auto& prefix = request.command_prefix;
  Reply reply;
  if (const auto* command = find(word)) {
    reply.text = usage(prefix, *command) + " — " + command->summary;
    reply.mrkdwn = usage_mrkdwn(prefix, *command);
  } else if (const auto* topic = knowledge.find_topic(word)) {
    std::string also;
    for (const auto& alias : topic->aliases) also += (also.empty() ? "" : ", ") + prefix + alias;
    reply.text = prefix + topic->id + " — " + topic->title + (also.empty() ? "" : " (also " + also + ")") + ": " + topic->summary;
    reply.mrkdwn = "`" + prefix + topic->id + "` — *" + escape_mrkdwn(topic->title) + "*" +
                   (also.empty() ? "" : " (also `" + also + "`)") + "\n" + escape_mrkdwn(topic->summary);
    reply.links = topic->links;
  } else {
    const bool quoted = may_echo(word);
    reply.text = (quoted ? "There is no command \"" + word + "\"." : std::string("There is no such command.")) + " Try " +
                 prefix + "help for the list.";
    reply.mrkdwn = (quoted ? "There is no command " + quote_mrkdwn(word) + "." : std::string("There is no such command.")) +
                   " Try `" + prefix + "help` for the list.";
  }
  return reply;
}

}  // namespace katabot
