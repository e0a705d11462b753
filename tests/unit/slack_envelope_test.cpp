#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "bot/slack/envelope.hpp"
#include "bot/slack/json_fields.hpp"

using namespace katabot::slack;

TEST_CASE("slack envelope: hello and disconnect", "[slack][envelope]") {
  const auto hello = parse_frame(
      R"({"type":"hello","num_connections":2,"debug_info":{"host":"applink-7","approximate_connection_time":18060},"connection_info":{"app_id":"A1"}})");
  REQUIRE(std::holds_alternative<Hello>(hello));
  CHECK(std::get<Hello>(hello).num_connections == 2);
  CHECK(std::get<Hello>(hello).approximate_connection_time == std::chrono::seconds(18060));

  for (const auto& [text, reason] : std::vector<std::pair<std::string, DisconnectReason>>{
           {"warning", DisconnectReason::warning},
           {"refresh_requested", DisconnectReason::refresh_requested},
           {"too_many_websockets", DisconnectReason::too_many_websockets},
           {"link_disabled", DisconnectReason::link_disabled},
           {"something_new", DisconnectReason::unknown}}) {
    const auto frame = parse_frame(R"({"type":"disconnect","reason":")" + text + R"(","debug_info":{"host":"x"}})");
    REQUIRE(std::holds_alternative<Disconnect>(frame));
    CHECK(std::get<Disconnect>(frame).reason == reason);
  }
}

TEST_CASE("slack envelope: envelopes keep their id, flags and payload", "[slack][envelope]") {
  const auto frame = parse_frame(
      R"({"envelope_id":"e-1","type":"slash_commands","accepts_response_payload":true,"payload":{"command":"/kata","text":"meetings","user_id":"U1","user_name":"ann","channel_id":"C1","response_url":"http://127.0.0.1:9/r"}})");
  REQUIRE(std::holds_alternative<Envelope>(frame));
  const auto& envelope = std::get<Envelope>(frame);
  CHECK(envelope.envelope_id == "e-1");
  CHECK(envelope.type == EnvelopeType::slash_commands);
  CHECK(envelope.accepts_response_payload);
  const auto command = parse_slash_command(envelope.payload());
  REQUIRE(command);
  CHECK(command->text == "meetings");
  CHECK(command->channel_id == "C1");
  CHECK(command->response_url == "http://127.0.0.1:9/r");

  const auto event_frame = parse_frame(
      R"({"envelope_id":"e-2","type":"events_api","accepts_response_payload":false,"retry_attempt":2,"retry_reason":"timeout","payload":{"type":"event_callback","event_id":"Ev9","event":{"type":"app_mention","channel":"C1","user":"U2","text":"<@UBOT> when is the next meeting?","ts":"1.2","thread_ts":"1.0"}}})");
  REQUIRE(std::holds_alternative<Envelope>(event_frame));
  CHECK(std::get<Envelope>(event_frame).retry_attempt == 2);
  const auto event = parse_chat_event(std::get<Envelope>(event_frame).payload());
  REQUIRE(event);
  CHECK(event->event_id == "Ev9");
  CHECK(event->type == "app_mention");
  CHECK(event->reply_thread() == "1.0");
}

TEST_CASE("slack envelope: bad frames are dropped with a reason, acked when they have an id", "[slack][envelope]") {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", ""},
      {"not json at all", ""},
      {"{\"type\":", ""},
      {"[1,2,3]", ""},
      {"\"hello\"", ""},
      {"{}", ""},
      {R"({"type":"mystery"})", ""},
      {R"({"envelope_id":"e-3","type":"mystery","payload":{}})", "e-3"},
      {R"({"envelope_id":"e-4","type":"events_api"})", "e-4"},
      {R"({"envelope_id":"e-5","type":"events_api","payload":"text"})", "e-5"},
      {R"({"envelope_id":42,"type":"events_api","payload":{}})", ""},
      {"\xff\xfe{\"type\":\"hello\"}", ""},
  };
  for (const auto& [text, ack_id] : cases) {
    INFO(text);
    const auto frame = parse_frame(text);
    REQUIRE(std::holds_alternative<Dropped>(frame));
    CHECK_FALSE(std::get<Dropped>(frame).reason.empty());
    CHECK(std::get<Dropped>(frame).envelope_id == ack_id);
  }
}

TEST_CASE("slack envelope: payloads with missing or mistyped fields", "[slack][envelope]") {
  CHECK_FALSE(parse_slash_command(nlohmann::json::parse(R"({"text":"x"})")));
  CHECK_FALSE(parse_chat_event(nlohmann::json::parse(R"({"event":"x"})")));
  CHECK_FALSE(parse_chat_event(nlohmann::json::parse(R"({"event":{"type":"message","channel":"C1"}})")));
  const auto odd = parse_chat_event(nlohmann::json::parse(R"({"event":{"type":"message","channel":"C1","ts":"1.0","text":7,"user":null}})"));
  REQUIRE(odd);
  CHECK(odd->text.empty());
  CHECK(odd->user.empty());
}

TEST_CASE("slack envelope: ack frames", "[slack][envelope]") {
  CHECK(make_ack("e-1") == R"({"envelope_id":"e-1"})");
  const nlohmann::json payload = {{"text", "hi"}};
  CHECK(nlohmann::json::parse(make_ack("e-2", &payload)) ==
        nlohmann::json::parse(R"({"envelope_id":"e-2","payload":{"text":"hi"}})"));
}

TEST_CASE("slack envelope: mention removal and entity decoding", "[slack][envelope]") {
  CHECK(remove_mention("<@UBOT> when is the next meeting?", "UBOT") == "when is the next meeting?");
  CHECK(remove_mention("hey <@UBOT|katabot>   conduct", "UBOT") == "hey    conduct");
  CHECK(remove_mention("<@UBOT2> hi", "UBOT") == "<@UBOT2> hi");
  CHECK(remove_mention("<@UBOT", "UBOT") == "<@UBOT");
  CHECK(remove_mention("plain", "") == "plain");
  CHECK(decode_entities("a &lt;b&gt; &amp;amp; c &") == "a <b> &amp; c &");
}

TEST_CASE("slack envelope: mangled frames never throw, and an envelope id is always kept for the ack", "[slack][envelope]") {
  const std::string valid =
      R"({"envelope_id":"e-2","type":"events_api","retry_attempt":1,"payload":{"event_id":"Ev9","event":{"type":"app_mention","channel":"C1","user":"U2","text":"<@UBOT> hi","ts":"1.2"}}})";
  constexpr char noise[] = "{}[],:0\"\\";
  std::uint32_t seed = 12345;
  const auto next = [&seed] { return seed = seed * 1103515245u + 12345u; };
  int envelopes = 0;
  int dropped_frames = 0;
  for (int round = 0; round < 20000; ++round) {
    auto text = valid;
    const int edits = 1 + static_cast<int>(next() % 4);
    for (int i = 0; i < edits; ++i) {
      const auto at = next() % text.size();
      switch (next() % 3) {
        case 0: text[at] = static_cast<char>(next() & 0xff); break;
        case 1: text.erase(at, 1 + next() % 8); break;
        default: text = text.substr(0, at) + noise[next() % (sizeof(noise) - 1)] + text.substr(at); break;
      }
      if (text.empty()) text = "{";
    }
    INFO(text);
    Frame frame;
    REQUIRE_NOTHROW(frame = parse_frame(text));
    // Whatever became of the frame, the id Slack sent (read here by a plain JSON parse) is what gets
    // acknowledged, so that Slack does not redeliver it; a frame without one is never acknowledged.
    const auto json = nlohmann::json::parse(text, nullptr, false);
    const auto sent_id = json.is_object() && json.contains("envelope_id") && json["envelope_id"].is_string()
                             ? std::optional(json["envelope_id"].get<std::string>())
                             : std::nullopt;
    if (const auto* envelope = std::get_if<Envelope>(&frame)) {
      ++envelopes;
      CHECK(envelope->envelope_id == sent_id);
      CHECK_NOTHROW(parse_chat_event(envelope->payload()));
      CHECK_NOTHROW(parse_slash_command(envelope->payload()));
    } else if (const auto* dropped = std::get_if<Dropped>(&frame)) {
      ++dropped_frames;
      CHECK(dropped->envelope_id == sent_id.value_or(""));
    }
  }
  // The mangling leaves both kinds, so both branches above were checked.
  CHECK(envelopes > 1000);
  CHECK(dropped_frames > 1000);
}

TEST_CASE("slack json fields: null, wrong types and non-objects read as absent", "[slack][json]") {
  const auto odd = nlohmann::json::parse(
      R"({"tz":null,"user_id":5,"ok":"yes","user":"U1","error":["x"],"count":"7","fine":"text","n":3,"yes":true,"obj":{}})");
  CHECK(string_field(odd, "tz").empty());
  CHECK(string_field(odd, "user_id").empty());
  CHECK(string_field(odd, "error").empty());
  CHECK(string_field(odd, "missing").empty());
  CHECK(string_field(odd, "fine") == "text");
  CHECK_FALSE(true_field(odd, "ok"));
  CHECK(true_field(odd, "yes"));
  CHECK(integer_field(odd, "count") == 0);
  CHECK(integer_field(odd, "n") == 3);
  CHECK(object_field(odd, "user") == nullptr);
  CHECK(object_field(odd, "obj") != nullptr);
  for (const auto& not_an_object : {nlohmann::json(), nlohmann::json("s"), nlohmann::json::array({1}), nlohmann::json(4)}) {
    CHECK(string_field(not_an_object, "tz").empty());
    CHECK_FALSE(true_field(not_an_object, "ok"));
    CHECK(object_field(not_an_object, "user") == nullptr);
  }
}

namespace {

// A frame is read as JSON exactly when nlohmann reads it so: parse_frame no longer builds the tree
// itself, and a frame it wrongly accepted would be acked with a payload nobody can read.
bool read_as_json(const std::string& text) {
  const auto frame = parse_frame(text);
  const auto* dropped = std::get_if<Dropped>(&frame);
  return dropped == nullptr || !dropped->reason.starts_with("not JSON");
}

std::string envelope_with(const std::string& value) {
  return R"({"envelope_id":"e-1","type":"events_api","payload":{"x":)" + value + "}}";
}

}  // namespace

TEST_CASE("slack envelope: frames are JSON exactly when nlohmann says so", "[slack][envelope]") {
  const std::vector<std::string> values = {
      R"("\ud83d\ude00")", R"("\ud83d")", R"("\ude00")", R"("\ud83d\u0041")", R"("\uD83D\uDE00")", R"("\u00e9\/\b\f\n\r\t")",
      R"("\x")", R"("\u12")", "\"\xC3\xA9\"", "\"\xF0\x9F\x98\x80\"", "\"\xC0\x80\"", "\"\xE0\x80\x80\"",
      "\"\xED\xA0\x80\"", "\"\xF4\x90\x80\x80\"", "\"\xF5\x80\x80\x80\"", "\"\xC3\"", "\"\x7f\"", "\"\x01\"",
      std::string("\"a\0b\"", 5), "0", "-0", "01", "1.", ".5", "-", "1E+2", "1e", "2.5e-3", "1e400", "-1e400",
      "1e-400", std::string(400, '9'), "123456789012345678901234567890", "true", "tru", "nul", "[1,]", "[1 2]",
      "[]", "{}", R"({"a":1,})", R"({"a" 1})", R"({1:2})", "[[[[]]]]",
  };
  for (const auto& value : values) {
    const auto text = envelope_with(value);
    INFO(text);
    CHECK(read_as_json(text) == !nlohmann::json::parse(text, nullptr, false).is_discarded());
  }
  for (const std::string text : {"\xEF\xBB\xBF{\"type\":\"hello\"}", "{} x", "{} \r\n\t", "", " ", "{\"a\":1}{}"}) {
    INFO(text);
    CHECK(read_as_json(text) == !nlohmann::json::parse(text, nullptr, false).is_discarded());
  }
}

TEST_CASE("slack envelope: nesting is bounded, and the payload reads back as sent", "[slack][envelope]") {
  const auto nested = [](int depth) { return std::string(depth, '[') + std::string(depth, ']'); };
  // The frame object and the payload are two levels of the 128.
  CHECK(std::holds_alternative<Envelope>(parse_frame(envelope_with(nested(126)))));
  const auto too_deep = parse_frame(envelope_with(nested(127)));
  REQUIRE(std::holds_alternative<Dropped>(too_deep));
  CHECK(std::get<Dropped>(too_deep).reason == "not JSON (or nested deeper than 128)");
  CHECK(std::holds_alternative<Dropped>(parse_frame(envelope_with(nested(500000)))));

  const std::string text =
      R"({"envelope_id":"e\u002d7","type":"events_api","retry_attempt":3,"accepts_response_payload":true,"payload":{"event":{"text":"caf\u00e9 \"q\"","n":[1,2.5,null]}}})";
  const auto frame = parse_frame(text);
  REQUIRE(std::holds_alternative<Envelope>(frame));
  const auto& envelope = std::get<Envelope>(frame);
  CHECK(envelope.envelope_id == "e-7");
  CHECK(envelope.retry_attempt == 3);
  CHECK(envelope.accepts_response_payload);
  CHECK(envelope.payload() == nlohmann::json::parse(text)["payload"]);
}

TEST_CASE("slack envelope: an ack escapes an id that needs it", "[slack][envelope]") {
  for (const std::string id : {"a\"b", "back\\slash", "line\nbreak", "tab\there", "caf\xC3\xA9", "x</y>"}) {
    INFO(id);
    const auto ack = nlohmann::json::parse(make_ack(id));
    CHECK(ack == nlohmann::json{{"envelope_id", id}});
  }
  CHECK(make_ack("1a2B-c_d.e") == R"({"envelope_id":"1a2B-c_d.e"})");
}
