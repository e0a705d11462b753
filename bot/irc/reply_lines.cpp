#include "bot/irc/reply_lines.hpp"

#include <algorithm>

#include "bot/irc/outgoing_text.hpp"

namespace katabot::irc {
namespace {

// The text always goes as a trailing param, so text starting with ':' or without spaces stays intact.
std::string wire_line(std::string_view verb, std::string_view target, std::string_view text) {
  return std::string(verb) + " " + std::string(target) + " :" + std::string(text);
}

void append_capped(std::vector<std::string>& lines, std::string_view verb, std::string_view target,
                   const std::vector<std::string>& chunks, std::size_t cap) {
  const auto shown = chunks.size() > cap ? cap - 1 : chunks.size();
  for (std::size_t i = 0; i < shown; ++i) lines.push_back(wire_line(verb, target, chunks[i]));
  if (shown < chunks.size()) {
    lines.push_back(wire_line(verb, target, "(" + std::to_string(chunks.size() - shown) + " more lines not shown)"));
  }
}

}  // namespace

std::vector<std::string> plan_reply_lines(const std::vector<std::string>& rendered, const ReplyAddress& address,
                                          const ReplyLimits& limits) {
  const auto nick = sanitize_param(address.nick);
  const auto channel = sanitize_param(address.channel);
  if (!channel.empty() && !is_valid_middle_param(channel)) return {};
  if (channel.empty() && !is_valid_middle_param(nick)) return {};
  const bool can_spill = is_valid_middle_param(nick);
  // Chunks may move from the channel to the asker, so they must fit both targets (PRIVMSG is the
  // longer verb, so the budget fits NOTICE too).
  auto budget = channel.empty() ? text_budget(address.own_prefix, "PRIVMSG", nick, limits.line_limit)
                                : text_budget(address.own_prefix, "PRIVMSG", channel, limits.line_limit);
  if (!channel.empty() && can_spill) {
    budget = std::min(budget, text_budget(address.own_prefix, "PRIVMSG", nick, limits.line_limit));
  }
  std::vector<std::string> chunks;
  for (const auto& line : rendered) {
    for (auto& chunk : split_text(sanitize_text(line), budget)) {
      if (chunk.find_first_not_of(' ') != std::string::npos) chunks.push_back(std::move(chunk));
    }
  }
  std::vector<std::string> lines;
  if (channel.empty()) {
    append_capped(lines, "PRIVMSG", nick, chunks, limits.private_lines);
  } else if (!can_spill) {
    append_capped(lines, "PRIVMSG", channel, chunks, limits.channel_lines);
  } else if (chunks.size() <= limits.answer_channel_lines) {
    for (const auto& chunk : chunks) lines.push_back(wire_line("PRIVMSG", channel, chunk));
  } else {
    // The note names only the asker: never anyone else the answer might mention.
    const auto shown = std::min(chunks.size(), limits.private_lines);
    lines.push_back(wire_line("PRIVMSG", channel,
                              nick + ": I've sent you the answer privately (" + std::to_string(shown) + " lines)."));
    append_capped(lines, "NOTICE", nick, chunks, limits.private_lines);
  }
  return lines;
}

}  // namespace katabot::irc
