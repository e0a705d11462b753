#include "handlers/admin_handler.hpp"

#include "handlers/time_format.hpp"
#include "knowledge/schedule.hpp"

namespace katabot {

Reply status_reply(const Request&, const KnowledgeBase& knowledge, const Clock& clock) {
  Reply reply;
  reply.text = "Knowledge base: " + std::to_string(knowledge.topics().size()) + " topics, " +
               std::to_string(knowledge.meetings().size()) + " meetings.";
  const auto now = std::chrono::floor<std::chrono::seconds>(clock.now());
  const auto next = next_occurrences(knowledge.meetings(), now, 1);
  if (!next.empty()) reply.text += " Next meeting " + relative_time(next.front().start, now) + ".";
  reply.mrkdwn = reply.text;
  return reply;
}

Reply reload_reply(const Request&, const KnowledgeBase&, const Clock&) {
  Reply reply;
  reply.text = "Reloading the knowledge base and meetings.";
  reply.mrkdwn = reply.text;
  reply.action = Action::reload_knowledge;
  return reply;
}

}  // namespace katabot
