#include "bot/scheduler/broadcast.hpp"

#include "bot/scheduler/reminder_text.hpp"
#include "knowledge/schedule.hpp"

namespace katabot {

std::optional<Reply> broadcast_reply(const Broadcast& broadcast, const KnowledgeBase& knowledge,
                                     std::chrono::sys_seconds now) {
  const auto* meeting = knowledge.find_meeting(broadcast.meeting_id);
  if (meeting == nullptr) return std::nullopt;
  Reply reply;
  if (broadcast.with_reminder) {
    const auto next = next_occurrences(*meeting, now, 1);
    if (next.empty()) return std::nullopt;
    reply = reminder_reply(*meeting, next.front(), now, false);
    if (!broadcast.text.empty()) {
      reply.text += "\nNote: " + broadcast.text;
      reply.mrkdwn += "\n*Note:* " + escape_mrkdwn(broadcast.text);
    }
  } else {
    reply.text = broadcast.text;
    reply.mrkdwn = escape_mrkdwn(broadcast.text);
  }
  reply.visibility = Visibility::in_channel;
  return reply;
}

}  // namespace katabot
