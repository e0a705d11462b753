#pragma once
// A platform-neutral answer. Each adapter renders it for its platform (bot/render.hpp).
#include <string>
#include <vector>

#include "knowledge/topics.hpp"

namespace katabot {

enum class Visibility { ephemeral, in_channel };

// Something the runtime must do besides answering (handlers themselves touch no files or sockets).
enum class Action { none, reload_knowledge };

struct Reply {
  // Plain text, one or more lines separated by '\n', each short enough for one IRC message.
  std::string text;
  // The same answer as Slack mrkdwn, trusted as markup: user-derived parts must go through
  // quote_mrkdwn (a word the user typed) or escape_mrkdwn. The Slack renderer escapes `text` itself.
  std::string mrkdwn;
  // Where the answer comes from and where to read more; the first one is the source.
  std::vector<Link> links;
  // What the answer is about, "topic:<id>" or "meeting:<id>"; empty for other answers.
  std::string subject;
  Visibility visibility = Visibility::ephemeral;
  Action action = Action::none;
};

// Escapes &, < and > so text typed by a user cannot become a Slack mention or link.
std::string escape_mrkdwn(std::string_view text);
// A word the user typed, echoed in mrkdwn as inline code: escaped like escape_mrkdwn, and with
// backticks and line breaks replaced so it cannot close the code span. Inside it, * _ ~ show
// literally instead of turning the rest of the answer bold, italic or struck through.
std::string quote_mrkdwn(std::string_view user_text);

}  // namespace katabot
