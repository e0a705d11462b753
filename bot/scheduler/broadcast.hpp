#pragma once
// What a Broadcast (handlers/reply.hpp) posts: the echo text as it is, or for `announce` the
// reminder of the meeting's next occurrence followed by the admin's note.
#include <chrono>
#include <optional>

#include "handlers/reply.hpp"
#include "knowledge/knowledge_base.hpp"

namespace katabot {

// nullopt when the meeting is gone (a reload removed it) or has no coming occurrence.
std::optional<Reply> broadcast_reply(const Broadcast& broadcast, const KnowledgeBase& knowledge,
                                     std::chrono::sys_seconds now);

}  // namespace katabot
