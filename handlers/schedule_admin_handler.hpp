#pragma once
// Admin commands that change one occurrence of a meeting: `skip <meeting> <date> [reason]`,
// `unskip <meeting> <date>`, `move <meeting> <date> <HH:MM> [zone]`, and `announce <meeting> [note]`.
// Each also asks the runtime to tell the meeting's channels (Reply::broadcast), so the community
// sees the change, not just the admin.
//
// Pure like every handler: each returns the answer plus the change to make (Reply::schedule_change),
// and the runtime records it in state_dir and publishes the new schedule (bot/knowledge_store).
// So a refused or mistyped command changes nothing, and tests need no files.
#include "handlers/request.hpp"

namespace katabot {

Reply skip_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);
Reply unskip_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);
Reply move_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);
// Posts the reminder of the next occurrence now, with the admin's note; it is not the scheduled
// reminder, which still goes out once at its time.
Reply announce_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock);

// "Thursday's call on 2026-12-24 is cancelled: holidays" for each skipped occurrence of `meeting`
// in [now, until), or empty.
std::string cancellation_note(const Meeting& meeting, std::chrono::sys_seconds now, std::chrono::sys_seconds until);

}  // namespace katabot
