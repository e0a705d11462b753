#include "bot/slack/envelope.hpp"

#include <cmath>
#include <cstdint>
#include <cstdlib>

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

// The top-level fields of a frame, as the JSON text of their values (last one wins, as in nlohmann).
struct TopLevelFields {
  bool is_object = false;
  std::string_view type, envelope_id, accepts_response_payload, retry_attempt, payload;
};

// Checks that a frame is one JSON value, exactly as strictly as nlohmann::json::parse does (UTF-8,
// escapes and surrogate pairs, number grammar, nothing after the value), and notes where the fields
// an ack needs are, without building a tree or allocating: acking an envelope must not cost a DOM
// of its payload. Nesting is bounded because the walk is recursive.
class FrameScanner {
 public:
  static constexpr int max_depth = 128;

  explicit FrameScanner(std::string_view text) : text_(text) {
    if (text_.substr(0, 3) == "\xEF\xBB\xBF") at_ = 3;  // nlohmann skips a UTF-8 byte order mark
  }

  // nullopt when the text is not JSON (or nests deeper than max_depth).
  std::optional<TopLevelFields> scan() {
    TopLevelFields fields;
    skip_whitespace();
    if (peek() == '{') {
      fields.is_object = true;
      if (!object(0, &fields)) return std::nullopt;
    } else if (!value(0)) {
      return std::nullopt;
    }
    skip_whitespace();
    if (at_ != text_.size()) return std::nullopt;
    return fields;
  }

 private:
  char peek() const { return at_ < text_.size() ? text_[at_] : '\0'; }
  bool done() const { return at_ >= text_.size(); }
  unsigned char byte() const { return static_cast<unsigned char>(text_[at_]); }

  void skip_whitespace() {
    while (!done() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++at_;
  }

  bool value(int depth) {
    skip_whitespace();
    if (done()) return false;
    switch (peek()) {
      case '{': return object(depth, nullptr);
      case '[': return array(depth);
      case '"': return string();
      case 't': return literal("true");
      case 'f': return literal("false");
      case 'n': return literal("null");
      default: return number();
    }
  }

  // `fields` is set for the top-level object only.
  bool object(int depth, TopLevelFields* fields) {
    if (depth >= max_depth) return false;
    ++at_;  // '{'
    skip_whitespace();
    if (peek() == '}') return ++at_, true;
    while (true) {
      skip_whitespace();
      const auto key_start = at_;
      if (peek() != '"' || !string()) return false;
      const auto key = text_.substr(key_start, at_ - key_start);
      skip_whitespace();
      if (peek() != ':') return false;
      ++at_;
      skip_whitespace();
      const auto value_start = at_;
      if (!value(depth + 1)) return false;
      if (fields) note(*fields, key, text_.substr(value_start, at_ - value_start));
      skip_whitespace();
      if (peek() == '}') return ++at_, true;
      if (peek() != ',') return false;
      ++at_;
    }
  }

  static void note(TopLevelFields& fields, std::string_view key, std::string_view json_value) {
    if (key == R"("type")") fields.type = json_value;
    else if (key == R"("envelope_id")") fields.envelope_id = json_value;
    else if (key == R"("accepts_response_payload")") fields.accepts_response_payload = json_value;
    else if (key == R"("retry_attempt")") fields.retry_attempt = json_value;
    else if (key == R"("payload")") fields.payload = json_value;
  }

  bool array(int depth) {
    if (depth >= max_depth) return false;
    ++at_;  // '['
    skip_whitespace();
    if (peek() == ']') return ++at_, true;
    while (true) {
      if (!value(depth + 1)) return false;
      skip_whitespace();
      if (peek() == ']') return ++at_, true;
      if (peek() != ',') return false;
      ++at_;
    }
  }

  bool literal(std::string_view word) {
    if (text_.substr(at_, word.size()) != word) return false;
    at_ += word.size();
    return true;
  }

  bool digits() {
    const auto start = at_;
    while (!done() && peek() >= '0' && peek() <= '9') ++at_;
    return at_ > start;
  }

  // Without an exponent, a number needs more than 300 digits to overflow a double.
  static constexpr std::size_t longest_finite_digits = 300;

  bool number() {
    const auto start = at_;
    if (peek() == '-') ++at_;
    if (peek() == '0') {
      ++at_;
    } else if (!(peek() >= '1' && peek() <= '9') || !digits()) {
      return false;
    }
    if (peek() == '.') {
      ++at_;
      if (!digits()) return false;
    }
    bool exponent = false;
    if (peek() == 'e' || peek() == 'E') {
      exponent = true;
      ++at_;
      if (peek() == '+' || peek() == '-') ++at_;
      if (!digits()) return false;
    }
    return (!exponent && at_ - start < longest_finite_digits) || finite(text_.substr(start, at_ - start));
  }

  // nlohmann rejects a number that overflows a double ("number overflow"). strtod reads '.' as the
  // decimal point: the bot never changes the C locale.
  static bool finite(std::string_view number) {
    const std::string copy(number);
    return std::isfinite(std::strtod(copy.c_str(), nullptr));
  }

  std::optional<unsigned> hex4() {
    if (text_.size() - at_ < 4) return std::nullopt;
    unsigned code = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = text_[at_++];
      code <<= 4;
      if (c >= '0' && c <= '9') code |= static_cast<unsigned>(c - '0');
      else if (c >= 'a' && c <= 'f') code |= static_cast<unsigned>(c - 'a' + 10);
      else if (c >= 'A' && c <= 'F') code |= static_cast<unsigned>(c - 'A' + 10);
      else return std::nullopt;
    }
    return code;
  }

  // After "\u": a code point, with a high surrogate only as the first half of a pair.
  bool unicode_escape() {
    const auto code = hex4();
    if (!code || (*code >= 0xDC00 && *code <= 0xDFFF)) return false;
    if (*code < 0xD800 || *code > 0xDBFF) return true;
    if (text_.substr(at_, 2) != "\\u") return false;
    at_ += 2;
    const auto low = hex4();
    return low && *low >= 0xDC00 && *low <= 0xDFFF;
  }

  // One UTF-8 sequence of 2 to 4 bytes (RFC 3629: no overlongs, no surrogates, ≤ U+10FFFF).
  bool multibyte() {
    const auto lead = byte();
    unsigned char low = 0x80, high = 0xBF;
    int continuation = 0;
    if (lead >= 0xC2 && lead <= 0xDF) continuation = 1;
    else if (lead == 0xE0) continuation = 2, low = 0xA0;
    else if (lead == 0xED) continuation = 2, high = 0x9F;
    else if (lead >= 0xE1 && lead <= 0xEF) continuation = 2;
    else if (lead == 0xF0) continuation = 3, low = 0x90;
    else if (lead == 0xF4) continuation = 3, high = 0x8F;
    else if (lead >= 0xF1 && lead <= 0xF3) continuation = 3;
    else return false;
    ++at_;
    for (int i = 0; i < continuation; ++i, low = 0x80, high = 0xBF) {
      if (done() || byte() < low || byte() > high) return false;
      ++at_;
    }
    return true;
  }

  bool string() {
    ++at_;  // '"'
    while (!done()) {
      const auto c = byte();
      if (c == '"') return ++at_, true;
      if (c < 0x20) return false;
      if (c >= 0x80) {
        if (!multibyte()) return false;
        continue;
      }
      ++at_;
      if (c != '\\') continue;
      if (done()) return false;
      const char escaped = text_[at_++];
      if (escaped == 'u') {
        if (!unicode_escape()) return false;
      } else if (std::string_view(R"("\/bfnrt)").find(escaped) == std::string_view::npos) {
        return false;
      }
    }
    return false;
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

// The string a JSON value holds, or "" for another type. The text was checked by FrameScanner.
std::string json_string(std::string_view json_value) {
  if (json_value.size() < 2 || json_value.front() != '"') return {};
  const auto content = json_value.substr(1, json_value.size() - 2);
  if (content.find('\\') == std::string_view::npos) return std::string(content);
  const auto parsed = json::parse(json_value, nullptr, /*allow_exceptions=*/false);
  return parsed.is_string() ? parsed.get<std::string>() : std::string();
}

// The integer a JSON value holds, or 0 (as integer_field reads it).
std::int64_t json_integer(std::string_view json_value) {
  if (json_value.empty()) return 0;
  const auto parsed = json::parse(json_value, nullptr, /*allow_exceptions=*/false);
  return parsed.is_number_integer() ? parsed.get<std::int64_t>() : 0;
}

// hello and disconnect come once per connection: read them as a tree.
Frame control_frame(std::string_view text, std::string_view type) {
  const json frame = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (type == "disconnect") return Disconnect{disconnect_reason(string_field(frame, "reason"))};
  Hello hello;
  hello.num_connections = static_cast<int>(integer_field(frame, "num_connections"));
  if (const auto* debug = object_field(frame, "debug_info")) {
    hello.approximate_connection_time = std::chrono::seconds(integer_field(*debug, "approximate_connection_time"));
  }
  return hello;
}

// An id of these characters goes into the ack as it is; any other is escaped by nlohmann.
bool plain_id(std::string_view envelope_id) {
  for (const char c : envelope_id) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                       c == '_' || c == '.';
    if (!plain) return false;
  }
  return true;
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
  const auto fields = FrameScanner(text).scan();
  if (!fields) return Dropped{"not JSON (or nested deeper than " + std::to_string(FrameScanner::max_depth) + ")", {}};
  if (!fields->is_object) return Dropped{"not a JSON object", {}};
  const auto type = json_string(fields->type);
  if (type == "hello" || type == "disconnect") return control_frame(text, type);
  const auto envelope_id = json_string(fields->envelope_id);
  if (envelope_id.empty()) return Dropped{type.empty() ? "no type and no envelope_id" : "unknown frame type " + type, {}};
  const auto known_type = envelope_type(type);
  if (!known_type) return Dropped{"unknown envelope type '" + type + "'", envelope_id};
  if (!fields->payload.starts_with('{')) return Dropped{"envelope without a payload object", envelope_id};
  Envelope envelope;
  envelope.envelope_id = envelope_id;
  envelope.type = *known_type;
  envelope.accepts_response_payload = fields->accepts_response_payload == "true";
  envelope.retry_attempt = static_cast<int>(json_integer(fields->retry_attempt));
  envelope.payload_text = std::string(fields->payload);
  return envelope;
}

nlohmann::json Envelope::payload() const {
  // payload_text was checked by FrameScanner: this never fails for an Envelope from parse_frame.
  return json::parse(payload_text, nullptr, /*allow_exceptions=*/false);
}

std::string make_ack(std::string_view envelope_id, const nlohmann::json* payload) {
  std::string ack;
  if (plain_id(envelope_id)) {
    ack.reserve(envelope_id.size() + 20);
    ack.append(R"({"envelope_id":")").append(envelope_id).append("\"");
  } else {
    ack.append(R"({"envelope_id":)").append(json(envelope_id).dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (payload) ack.append(R"(,"payload":)").append(payload->dump(-1, ' ', false, json::error_handler_t::replace));
  ack.push_back('}');
  return ack;
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
