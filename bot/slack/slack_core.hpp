#pragma once
// Every decision of the Slack adapter, without I/O: the Socket Mode state machine, the liveness
// watchdog (pings, silence, hello timeout), retry dedupe, the users' time-zone cache, ack
// statistics, mapping envelopes to Inbound and where each answer goes. The driver
// (slack_adapter.cpp) feeds it what happened — frames, API results, timer ticks, stop — with the
// time, and performs the actions it returns. Unit tests step it with a fake clock.
#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/coordination/event_claims.hpp"
#include "bot/inbound.hpp"
#include "bot/metrics.hpp"
#include "bot/slack/event_dedupe.hpp"
#include "bot/slack/socket_mode_session.hpp"
#include "handlers/clock.hpp"

namespace katabot::slack {

using SteadyTime = std::chrono::steady_clock::time_point;

struct CoreTimings {
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{180000};
  std::chrono::milliseconds silence_timeout{20000};  // no frame and no pong for this long: reconnect
  std::chrono::milliseconds hello_timeout{10000};    // socket open without a hello for this long: reconnect
};

// Time from an envelope's frame read to its ack written, for the last acks.
struct AckLatency {
  std::size_t samples = 0;
  std::chrono::nanoseconds p50{0};
  std::chrono::nanoseconds p99{0};
  std::chrono::nanoseconds max{0};
};

// Where an answer goes: a slash command's response_url first (when there is one), otherwise or
// when that fails `method` (chat.postMessage in a thread, chat.postEphemeral) with `message`.
struct AnswerPost {
  std::string response_url;
  nlohmann::json response_payload;
  std::string method;
  nlohmann::json message;
  std::string key;  // chat.postMessage: the message metadata that makes it findable (post_metadata.hpp)
};

enum class CoreActionType {
  request_url,   // apps.connections.open for `link`; report url_ready / url_failed
  connect,       // open a WebSocket to `text` as `link`; report socket_open or link_lost
  close,         // close `link` with a close frame (1000); it then reports link_lost
  abort,         // drop `link`'s TCP connection now
  wait,          // report backoff_elapsed after `delay`
  write,         // write the text frame `text` on `link` (an ack); report ack_written with `received`
  ping,          // send a WebSocket ping on `link`
  identify,      // auth.test; report identified
  look_up_user,  // users.info for `text` (a user id); report user_looked_up
  answer,        // post `answer`
  claim_event,   // claim the event `text` (an event id) across replicas; report event_claimed
};
std::string_view to_string(CoreActionType type);

struct CoreAction {
  CoreActionType type;
  LinkId link = 0;
  std::string text;
  std::chrono::milliseconds delay{0};
  SteadyTime received{};
  std::optional<AnswerPost> answer;
};

// A frame as the link read it.
struct FrameRead {
  std::string_view data;
  bool text = true;
  bool oversized = false;
};

class SlackCore {
 public:
  using Actions = std::vector<CoreAction>;

  SlackCore(InboundHandler handler, Metrics& metrics, const Clock& clock, CoreTimings timings = {},
            std::uint64_t seed = 0x5eed);

  Actions start();
  Actions stop();
  Actions url_ready(LinkId link, std::string url);
  Actions url_failed(LinkId link, std::optional<std::chrono::milliseconds> retry_after);
  Actions socket_open(LinkId link, SteadyTime now);
  Actions link_lost(LinkId link);
  Actions backoff_elapsed();
  Actions frame(LinkId link, const FrameRead& frame, SteadyTime received);
  // The watchdog's periodic look at `link`: a ping, or the link is abandoned as silent.
  Actions tick(LinkId link, SteadyTime last_heard, SteadyTime now);
  void ack_written(SteadyTime received, SteadyTime now);
  // auth.test answered our own user id; empty when it failed (tried again at the next hello).
  void identified(std::string user_id);
  // users.info: the zone ("" when Slack says the user has none), or nullopt when no definite
  // answer came (network, timeout): the waiting answers go out without a zone, nothing is cached.
  Actions user_looked_up(const std::string& user, std::optional<std::string> timezone);
  // Other replicas serve Slack too: an event that passed the local dedupe is claimed across
  // replicas (claim_event) before it is answered. Events API envelopes only: slash commands and
  // interactive payloads carry no event id and are never retried.
  void share_event_dedupe() { shared_dedupe_ = true; }
  // The claim of `event_id` came back: claimed or unavailable (fail open) → answered; duplicate → dropped.
  Actions event_claimed(const std::string& event_id, coordination::EventClaim claim);

  SessionState state() const { return session_.state(); }
  bool ready() const { return session_.ready() && !stopping_; }
  bool stopped() const { return session_.state() == SessionState::stopped; }
  const std::string& bot_user_id() const { return bot_user_id_; }
  AckLatency ack_latency() const;
  std::size_t waiting_answers() const;
  std::size_t cached_timezones() const { return timezones_.size(); }
  std::size_t pending_claims() const { return claiming_.size(); }

 private:
  struct Waiting {
    Inbound inbound;
    AnswerPost route;  // message/response_payload filled once the reply is known
  };

  Actions session(const SessionEvent& event);
  void on_envelope(LinkId link, const Envelope& envelope, SteadyTime received, Actions& actions);
  void on_slash_command(LinkId link, const Envelope& envelope, SteadyTime received, Actions& actions);
  void on_event(const Envelope& envelope, Actions& actions);
  void write_ack(LinkId link, std::string_view envelope_id, const nlohmann::json* payload, SteadyTime received,
                 Actions& actions);
  // Answers now when the user's zone is known, else looks it up and answers when it is.
  void answer_with_timezone(Inbound inbound, AnswerPost route, Actions& actions);
  void answer(const Inbound& inbound, AnswerPost route, Actions& actions);
  void count_duplicate(const char* scope);
  // The router behind a guard: an exception is logged and means "no answer", never a dead link.
  std::optional<Reply> reply_to(const Inbound& inbound);

  InboundHandler handler_;
  Metrics& metrics_;
  const Clock& clock_;
  CoreTimings timings_;
  SocketModeSession session_;
  EventDedupe dedupe_;
  bool stopping_ = false;
  bool ever_connected_ = false;
  bool identifying_ = false;
  std::string bot_user_id_;
  std::unordered_map<LinkId, SteadyTime> opened_at_;  // links waiting for their hello
  std::unordered_map<std::string, std::string> timezones_;  // user id → IANA zone ("" = unknown for good)
  std::unordered_map<std::string, std::vector<Waiting>> waiting_;  // answers waiting for users.info
  bool shared_dedupe_ = false;
  std::unordered_map<std::string, Waiting> claiming_;  // event id → its answer, while the claim runs
  std::vector<std::chrono::nanoseconds> ack_samples_;
  std::size_t next_ack_sample_ = 0;
  std::size_t acks_since_summary_ = 0;
};

}  // namespace katabot::slack
