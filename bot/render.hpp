#pragma once
// How a Reply looks on each platform. Adapters call these; the console prints both.
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "handlers/reply.hpp"

namespace katabot {

// IRC: the reply's text lines, the source link appended to the last line ("… — https://…").
// Lines are not yet split to the 512-byte limit nor sanitized: the IRC sender does that.
std::vector<std::string> render_irc_lines(const Reply& reply);

// Slack: {"text": fallback, "blocks": [section (mrkdwn), context (links as <url|title>)]}.
nlohmann::json render_slack_message(const Reply& reply);

// The mrkdwn body with links appended as <url|title>, as Slack will show it.
std::string render_slack_mrkdwn(const Reply& reply);

}  // namespace katabot
