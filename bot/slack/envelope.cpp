#include "bot/slack/envelope.hpp"

#include "bot/slack/json_fields.hpp"

namespace katabot::slack {
namespace {

using nlohmann::json;

DisconnectReason disconnect_reason(std::string_view text) {
  if (text == "warning") return DisconnectReason::warning;
  if (text == "refresh_requested") return DisconnectReason::refresh_requested;
  if (text == "too_many_websockets") return DisconnectReason::too_many_websockets;
  if (text == "link_disabled") return DisconnectReason::link_disabled;
  return DisconnectReason::unknown;
}

std::optional<EnvelopeType> envelope_type(std::string_view text) {
  if (text == "events_api") return EnvelopeType::events_api;
  if (text == "slash_commands") return EnvelopeType::slash_commands;
  if (text == "interactive") return EnvelopeType::interactive;
  return std::nullopt;
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t' || text.front() == '\n')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\n')) text.remove_suffix(1);
  return text;
}

}  // namespace

std::string_view to_string(DisconnectReason reason) {
  switch (reason) {
    case DisconnectReason::warning: return "warning";
    case DisconnectReason::refresh_requested: return "refresh_requested";
    case DisconnectReason::too_many_websockets: return "too_many_websockets";
    case DisconnectReason::link_disabled: return "link_disabled";
    case DisconnectReason::unknown: return "unknown";
  }
  return "unknown";
}

Frame parse_frame(std::string_view text) {
  json frame = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (frame.is_discarded()) return Dropped{"not JSON", {}};
  if (!frame.is_object()) return Dropped{"not a JSON object", {}};
  const auto type = string_field(frame, "type");
  const auto envelope_id = string_field(frame, "envelope_id");
  if (type == "hello") {
    Hello hello;
    hello.num_connections = static_cast<int>(integer_field(frame, "num_connections"));
    if (const auto* debug = object_field(frame, "debug_info")) {
      hello.approximate_connection_time = std::chrono::seconds(integer_field(*debug, "approximate_connection_time"));
    }
    return hello;
  }
  if (type == "disconnect") return Disconnect{disconnect_reason(string_field(frame, "reason"))};
  if (envelope_id.empty()) return Dropped{type.empty() ? "no type and no envelope_id" : "unknown frame type " + type, {}};
  const auto known_type = envelope_type(type);
  if (!known_type) return Dropped{"unknown envelope type '" + type + "'", envelope_id};
  auto payload = frame.find("payload");
  if (payload == frame.end() || !payload->is_object()) return Dropped{"envelope without a payload object", envelope_id};
  Envelope envelope;
  envelope.envelope_id = envelope_id;
  envelope.type = *known_type;
  envelope.accepts_response_payload = true_field(frame, "accepts_response_payload");
  envelope.retry_attempt = static_cast<int>(integer_field(frame, "retry_attempt"));
  envelope.payload = std::move(*payload);
  return envelope;
}

std::string make_ack(std::string_view envelope_id, const nlohmann::json* payload) {
  json ack = {{"envelope_id", envelope_id}};
  if (payload) ack["payload"] = *payload;
  return ack.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<SlashCommand> parse_slash_command(const nlohmann::json& payload) {
  SlashCommand command;
  command.command = string_field(payload, "command");
  command.text = string_field(payload, "text");
  command.user_id = string_field(payload, "user_id");
  command.user_name = string_field(payload, "user_name");
  command.channel_id = string_field(payload, "channel_id");
  command.response_url = string_field(payload, "response_url");
  if (command.user_id.empty() || command.channel_id.empty()) return std::nullopt;
  return command;
}

std::optional<ChatEvent> parse_chat_event(const nlohmann::json& payload) {
  const auto* inner = object_field(payload, "event");
  if (inner == nullptr) return std::nullopt;
  ChatEvent event;
  event.event_id = string_field(payload, "event_id");
  event.type = string_field(*inner, "type");
  event.channel = string_field(*inner, "channel");
  event.channel_type = string_field(*inner, "channel_type");
  event.user = string_field(*inner, "user");
  event.text = string_field(*inner, "text");
  event.ts = string_field(*inner, "ts");
  event.thread_ts = string_field(*inner, "thread_ts");
  event.bot_id = string_field(*inner, "bot_id");
  event.subtype = string_field(*inner, "subtype");
  if (event.type.empty() || event.channel.empty() || event.ts.empty()) return std::nullopt;
  return event;
}

std::string decode_entities(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t at = 0; at < text.size();) {
    if (text.substr(at, 4) == "&lt;") {
      out += '<';
      at += 4;
    } else if (text.substr(at, 4) == "&gt;") {
      out += '>';
      at += 4;
    } else if (text.substr(at, 5) == "&amp;") {
      out += '&';
      at += 5;
    } else {
      out += text[at++];
    }
  }
  return out;
}

std::string remove_mention(std::string_view text, std::string_view user_id) {
  std::string out;
  const std::string opening = "<@" + std::string(user_id);
  std::size_t at = 0;
  while (at < text.size()) {
    const auto found = user_id.empty() ? std::string_view::npos : text.find(opening, at);
    if (found == std::string_view::npos) {
      out.append(text.substr(at));
      break;
    }
    const auto after = found + opening.size();
    const auto close = text.find('>', after);
    // <@U1> or <@U1|name>, not <@U12> when looking for U1.
    if (close == std::string_view::npos || (close != after && text[after] != '|')) {
      out.append(text.substr(at, after - at));
      at = after;
      continue;
    }
    out.append(text.substr(at, found - at));
    at = close + 1;
  }
  return std::string(trim(out));
}

}  // namespace katabot::slack
