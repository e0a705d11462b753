#pragma once
// Commands for the bot's admins (the router checks who may run them).
#include "handlers/request.hpp"

namespace katabot {

Reply status_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);
// Asks the runtime to reload the knowledge base (Action::reload_knowledge); the runtime reports the outcome.
Reply reload_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);

}  // namespace katabot
