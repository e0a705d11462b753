// Socket Mode frames and connection events in any order, driven the way SlackAdapter drives them:
// parse the frame, feed the session, acknowledge when it says dispatch. Properties: nothing throws
// or crashes, an envelope is acknowledged at most once, and the ack names the envelope it answers.
#include <cstdint>
#include <string>

#include <fuzzer/FuzzedDataProvider.h>

#include "bot/slack/envelope.hpp"
#include "bot/slack/socket_mode_session.hpp"
#include "fuzz_require.hpp"

using namespace katabot::slack;

namespace {

std::size_t dispatches(const std::vector<SessionAction>& actions) {
  std::size_t count = 0;
  for (const auto& action : actions) count += action.type == SessionActionType::dispatch ? 1 : 0;
  return count;
}

void acknowledge(const std::string& envelope_id) {
  const auto ack = nlohmann::json::parse(make_ack(envelope_id), nullptr, /*allow_exceptions=*/false);
  FUZZ_REQUIRE(ack.is_object() && ack.size() == 1 && ack["envelope_id"].is_string());
  if (nlohmann::json(envelope_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::ignore) ==
      nlohmann::json(envelope_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)) {
    FUZZ_REQUIRE(ack["envelope_id"].get<std::string>() == envelope_id);  // valid UTF-8 goes back unchanged
  }
}

void handle_payload(const Envelope& envelope) {
  if (const auto command = parse_slash_command(envelope.payload())) (void)decode_entities(command->text);
  if (const auto event = parse_chat_event(envelope.payload())) {
    (void)remove_mention(decode_entities(event->text), event->user);
    (void)event->reply_thread();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  SocketModeSession session;
  session.handle({SessionEventType::start});
  for (int step = 0; step < 64 && input.remaining_bytes() > 0; ++step) {
    const auto link = static_cast<LinkId>(input.ConsumeIntegralInRange<int>(0, 4));
    if (input.ConsumeBool()) {
      SessionEvent event;
      event.type = input.PickValueInArray(all_session_events);
      event.link = link;
      event.url = "wss://example.invalid/link";
      event.reason = static_cast<DisconnectReason>(input.ConsumeIntegralInRange<int>(0, 4));
      if (input.ConsumeBool()) event.retry_after = std::chrono::milliseconds(input.ConsumeIntegral<std::uint32_t>());
      FUZZ_REQUIRE(dispatches(session.handle(event)) <= (event.type == SessionEventType::envelope ? 1u : 0u));
      continue;
    }
    const auto frame = parse_frame(input.ConsumeRandomLengthString(2048));
    if (std::holds_alternative<Hello>(frame)) {
      session.handle({SessionEventType::hello, link});
    } else if (const auto* disconnect = std::get_if<Disconnect>(&frame)) {
      SessionEvent event{SessionEventType::disconnect, link};
      event.reason = disconnect->reason;
      FUZZ_REQUIRE(dispatches(session.handle(event)) == 0);
    } else if (const auto* dropped = std::get_if<Dropped>(&frame)) {
      if (dropped->envelope_id.empty()) continue;
      const auto acks = dispatches(session.handle({SessionEventType::envelope, link}));
      FUZZ_REQUIRE(acks <= 1);
      if (acks == 1) acknowledge(dropped->envelope_id);
    } else if (const auto* envelope = std::get_if<Envelope>(&frame)) {
      FUZZ_REQUIRE(!envelope->envelope_id.empty() && envelope->payload().is_object());
      const auto acks = dispatches(session.handle({SessionEventType::envelope, link}));
      FUZZ_REQUIRE(acks <= 1);
      if (acks == 1) {
        acknowledge(envelope->envelope_id);
        handle_payload(*envelope);
      }
    }
  }
  return 0;
}
