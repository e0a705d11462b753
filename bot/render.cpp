#include "bot/render.hpp"

#include <string_view>

#include <nlohmann/json.hpp>

#include "knowledge/utf8_cut.hpp"

namespace katabot {
namespace {

// Slack's link syntax breaks on '|' and '>' inside the parts.
std::string slack_link(const Link& link) {
  std::string title;
  for (const char c : link.title) title += (c == '|' || c == '>' || c == '<') ? ' ' : c;
  return "<" + link.url + "|" + escape_mrkdwn(title) + ">";
}

// The bot never notifies anyone: a <!channel>, <!here>, <!everyone>, <!subteam^…> or <@U…> that
// reached the mrkdwn anyway (a handler that forgot to escape what a user typed) is shown as text
// instead of pinging people. Links and channel links (<#C…>) notify nobody and stay.
std::string disarm_mentions(std::string mrkdwn) {
  for (auto open = mrkdwn.find('<'); open != std::string::npos; open = mrkdwn.find('<', open + 1)) {
    if (open + 1 == mrkdwn.size() || std::string_view("!@").find(mrkdwn[open + 1]) == std::string_view::npos) continue;
    if (const auto close = mrkdwn.find('>', open); close != std::string::npos) mrkdwn.replace(close, 1, "&gt;");
    mrkdwn.replace(open, 1, "&lt;");
  }
  return mrkdwn;
}

std::string slack_body(const Reply& reply) {
  return disarm_mentions(reply.mrkdwn.empty() ? escape_mrkdwn(reply.text) : reply.mrkdwn);
}

}  // namespace

std::vector<std::string> render_irc_lines(const Reply& reply) {
  std::vector<std::string> lines;
  std::string::size_type start = 0;
  while (start <= reply.text.size()) {
    const auto end = reply.text.find('\n', start);
    auto line = reply.text.substr(start, end == std::string::npos ? std::string::npos : end - start);
    if (!line.empty()) lines.push_back(std::move(line));
    if (end == std::string::npos) break;
    start = end + 1;
  }
  if (!reply.links.empty()) {
    const auto& source = reply.links.front().url;
    if (lines.empty()) {
      lines.push_back(source);
    } else if (lines.back().find(source) == std::string::npos) {
      lines.back() += " — " + source;
    }
  }
  return lines;
}

std::string render_slack_mrkdwn(const Reply& reply) {
  auto body = slack_body(reply);
  if (!reply.links.empty()) {
    std::string links;
    for (const auto& link : reply.links) {
      if (body.find(link.url) != std::string::npos) continue;
      links += (links.empty() ? "" : " · ") + slack_link(link);
    }
    if (!links.empty()) body += "\n" + links;
  }
  return body;
}

nlohmann::json render_slack_message(const Reply& reply) {
  auto blocks = nlohmann::json::array();
  const auto body = slack_body(reply);
  // A section's text is limited to 3000 characters by Slack (bytes are never fewer than characters).
  blocks.push_back({{"type", "section"}, {"text", {{"type", "mrkdwn"}, {"text", truncate_utf8(body, 3000, "…")}}}});
  auto elements = nlohmann::json::array();
  for (const auto& link : reply.links) {
    if (body.find(link.url) != std::string::npos) continue;
    elements.push_back({{"type", "mrkdwn"}, {"text", slack_link(link)}});
  }
  // Context blocks hold at most 10 elements.
  if (elements.size() > 10) elements.erase(elements.begin() + 10, elements.end());
  if (!elements.empty()) blocks.push_back({{"type", "context"}, {"elements", elements}});
  // The fallback (notifications, clients without blocks) is mrkdwn to Slack too: the plain text
  // is escaped like everything else the bot sends.
  std::string fallback = reply.text;
  if (!reply.links.empty() && fallback.find(reply.links.front().url) == std::string::npos) {
    fallback += " " + reply.links.front().url;
  }
  return {{"text", escape_mrkdwn(fallback)}, {"blocks", blocks}};
}

}  // namespace katabot
