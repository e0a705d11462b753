#pragma once
// `meetings [zone]`: every meeting with its day, time, agenda and join links.
// `next [zone|meeting]`: the next occurrence with a countdown.
#include "handlers/request.hpp"

namespace katabot {

Reply meetings_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);
Reply next_meeting_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);
// The answer for one meeting (what `next <meeting>` and meeting keywords give).
Reply meeting_reply(const Meeting& meeting, const Request& request, const Clock& clock);

}  // namespace katabot
