#pragma once
#include "handlers/reply.hpp"
#include "knowledge/topics.hpp"

namespace katabot {

// A topic's answer: its summary for IRC, its details for Slack, its links.
Reply topic_reply(const Topic& topic);

}  // namespace katabot
