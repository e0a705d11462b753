#pragma once
// The built-in commands. Topics are commands too, but they come from the knowledge base, so the
// router asks the snapshot for them; help is generated from both, never kept by hand.
#include <string>
#include <string_view>
#include <vector>

#include "handlers/request.hpp"

namespace katabot {

struct Command {
  std::string name;
  std::string arguments;  // usage after the name, e.g. "[time zone]"
  std::string summary;
  bool admin = false;
  Handler handler;
};

class CommandRegistry {
 public:
  CommandRegistry();
  CommandRegistry(const CommandRegistry&) = delete;
  CommandRegistry& operator=(const CommandRegistry&) = delete;

  const Command* find(std::string_view word) const;
  const std::vector<Command>& commands() const { return commands_; }
  // Words topics may not use as ids or aliases.
  CommandWords reserved_words() const;
  // Every word a user can type as a command: built-ins, topic ids and aliases.
  std::vector<std::string> all_words(const KnowledgeBase& knowledge) const;

 private:
  Reply help(const Request& request, const KnowledgeBase& knowledge) const;
  Reply help_for(const std::string& word, const Request& request, const KnowledgeBase& knowledge) const;

  std::vector<Command> commands_;
};

}  // namespace katabot
