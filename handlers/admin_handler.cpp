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
  for (const auto& meeting : knowledge.meetings()) {
    for (const auto& change : meeting.overrides) {
      reply.text += "\nOverride: " + meeting.id + " " + date::format("%F", change.date) +
                    (change.kind == OccurrenceOverride::Kind::skip
                         ? " skipped" + (change.reason.empty() ? std::string{} : ": " + change.reason)
                         : " moved to " + format_in_zone(moved_start(change), change.moved_zone));
    }
  }
  reply.mrkdwn = escape_mrkdwn(reply.text);
  reply.action = Action::describe_runtime;
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
