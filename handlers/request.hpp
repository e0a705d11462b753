#pragma once
// What a handler gets: the command word the user typed and the rest of the line, plus the little it
// needs to know about the asker. Handlers are pure: (Request, knowledge snapshot, clock) → Reply.
#include <functional>
#include <string>

#include "handlers/clock.hpp"
#include "handlers/reply.hpp"
#include "knowledge/knowledge_base.hpp"

namespace katabot {

struct Request {
  std::string command;         // lower-case command word, e.g. "meetings"
  std::string args;            // the rest of the line, trimmed
  std::string command_prefix;  // how commands are typed where the user is: "/kata " or "!"
  std::string user_timezone;   // IANA zone of the asker, if the platform tells
};

using Handler = std::function<Reply(const Request&, const KnowledgeBase&, const Clock&)>;

}  // namespace katabot
