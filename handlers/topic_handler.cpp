#include "handlers/topic_handler.hpp"

namespace katabot {

Reply topic_reply(const Topic& topic) {
  Reply reply;
  reply.text = topic.title + ": " + topic.summary;
  reply.mrkdwn = "*" + escape_mrkdwn(topic.title) + "*\n" + (topic.details.empty() ? escape_mrkdwn(topic.summary) : topic.details);
  reply.links = topic.links;
  reply.subject = "topic:" + topic.id;
  return reply;
}

}  // namespace katabot
