#pragma once
// A platform-neutral answer. Each adapter renders it for its platform (bot/render.hpp).
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "knowledge/occurrence_override.hpp"
#include "knowledge/topics.hpp"

namespace katabot {

enum class Visibility { ephemeral, in_channel };

// Something the runtime must do besides answering (handlers themselves touch no files or sockets).
enum class Action {
  none,
  reload_knowledge,
  describe_runtime,  // `status`: the runtime adds its adapters and the next reminders with their channels
};

// A post for everyone in a meeting's announce channels, not just the asker: the echo of a skip or a
// move, or `announce`. The runtime posts it once to each channel (bot/scheduler/broadcast.hpp).
struct Broadcast {
  std::string meeting_id;
  std::string text;               // the echo; for an announcement, the admin's note (may be empty)
  bool with_reminder = false;     // announce: the reminder for the next occurrence, then the note
};

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
  // A skip, unskip or move for the runtime to record (bot/knowledge_store carry_out).
  std::optional<ScheduleChange> schedule_change;
  std::optional<Broadcast> broadcast;
  // Set on a post that must never be repeated (a reminder: its ledger key). An adapter that can tag
  // a message with it (Slack message metadata) does, so that ChatAdapter::find_posted finds it.
  std::string post_key;
  // Set on a leader-only post (a reminder, a broadcast): whether this replica may still send it.
  // The adapter asks right before each write of the post, also after every wait or retry on the
  // way (pacing, Retry-After, reconnects), and fails the post as "not leader" without sending once
  // it says false: a leader paused past its lease must not post what its successor posts too
  // (shared/design/ha.md §3.2). Empty: always open (answers to the asker).
  std::function<bool()> may_send;
};

// User text made fit for one line of chat or log: control bytes become spaces, and it is cut to
// `max_bytes` at a UTF-8 boundary with "…".
std::string single_line(std::string_view text, std::size_t max_bytes);

// Escapes &, < and > so text typed by a user cannot become a Slack mention or link.
std::string escape_mrkdwn(std::string_view text);
// A word the user typed, echoed in mrkdwn as inline code: escaped like escape_mrkdwn, and with
// backticks and line breaks replaced so it cannot close the code span. Inside it, * _ ~ show
// literally instead of turning the rest of the answer bold, italic or struck through.
std::string quote_mrkdwn(std::string_view user_text);

}  // namespace katabot
