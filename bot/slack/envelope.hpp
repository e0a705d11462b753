#pragma once
// What Slack sends over the Socket Mode WebSocket, parsed into types: hello, disconnect, an
// envelope to acknowledge, or the reason a frame is dropped. Nothing here throws on bad input.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

namespace katabot::slack {

struct Hello {
  int num_connections = 0;
  std::chrono::seconds approximate_connection_time{0};
};

enum class DisconnectReason { warning, refresh_requested, too_many_websockets, link_disabled, unknown };
std::string_view to_string(DisconnectReason reason);

struct Disconnect {
  DisconnectReason reason = DisconnectReason::unknown;
};

enum class EnvelopeType { events_api, slash_commands, interactive };

struct Envelope {
  std::string envelope_id;
  EnvelopeType type = EnvelopeType::events_api;
  bool accepts_response_payload = false;
  int retry_attempt = 0;
  // The payload's JSON text, an object, checked when the frame was read. It becomes a tree only
  // for an envelope the bot acts on, after the ack: the ack never waits for the payload.
  std::string payload_text;
  nlohmann::json payload() const;
};

// A frame we do not act on. If it still carried an envelope_id, it is acknowledged anyway so that
// Slack does not redeliver something we can never handle.
struct Dropped {
  std::string reason;
  std::string envelope_id;
};

using Frame = std::variant<Hello, Disconnect, Envelope, Dropped>;

Frame parse_frame(std::string_view text);

// The {"envelope_id": …[, "payload": …]} text frame that acknowledges an envelope.
std::string make_ack(std::string_view envelope_id, const nlohmann::json* payload = nullptr);

struct SlashCommand {
  std::string command;  // "/kata"
  std::string text;     // what follows the command
  std::string user_id;
  std::string user_name;
  std::string channel_id;
  std::string response_url;
};
std::optional<SlashCommand> parse_slash_command(const nlohmann::json& payload);

// The parts of an events_api event_callback a chat bot uses (message, app_mention).
struct ChatEvent {
  std::string event_id;
  std::string type;          // "message", "app_mention", …
  std::string channel;
  std::string channel_type;  // "im", "channel", "group", "mpim"; empty for app_mention
  std::string user;
  std::string text;
  std::string ts;
  std::string thread_ts;
  std::string bot_id;
  std::string subtype;
  // Where a reply goes: the thread the message is in, or a new thread under it.
  const std::string& reply_thread() const { return thread_ts.empty() ? ts : thread_ts; }
};
std::optional<ChatEvent> parse_chat_event(const nlohmann::json& payload);

// Slack sends &, <, > as entities in message text; users typed the characters.
std::string decode_entities(std::string_view text);
// Removes every <@USER_ID> (and <@USER_ID|name>) mention of `user_id` and trims the result.
std::string remove_mention(std::string_view text, std::string_view user_id);

}  // namespace katabot::slack
