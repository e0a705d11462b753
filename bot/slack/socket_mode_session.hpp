#pragma once
// The Socket Mode connection lifecycle as an explicit state machine, without I/O. The driver
// (SlackAdapter) feeds it events — URL obtained, socket open, hello, disconnect, socket lost,
// silence, timer elapsed, stop — each tagged with the link (one apps.connections.open + WebSocket
// attempt) it concerns, and performs the actions it returns.
//
// Rules (shared/reference/slack-socket-mode.md §7–8):
// - a fresh apps.connections.open for every link; one reconnect chain at a time;
// - warning / refresh_requested on the serving link: open a replacement, keep serving on the old
//   link until the replacement said hello, then close the old one;
// - too_many_websockets: close first, then back off; link_disabled: back off for long;
// - a disconnect is accepted in every state, including before hello;
// - lost or silent links and failed URL requests: reconnect after a jittered exponential backoff
//   (reset by hello), at least as long as a Retry-After Slack gave;
// - events about links the session no longer tracks never change the current link.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bot/backoff.hpp"
#include "bot/slack/envelope.hpp"

namespace katabot::slack {

using LinkId = std::uint64_t;

enum class SessionState {
  idle,                    // not started
  requesting_url,          // apps.connections.open for the primary link
  connecting,              // WebSocket handshake of the primary link
  awaiting_hello,          // socket open, Slack has not said hello yet
  connected,               // serving
  refresh_requesting_url,  // serving on the old link; apps.connections.open for its replacement
  refresh_connecting,      // serving on the old link; replacement handshaking
  refresh_awaiting_hello,  // serving on the old link; replacement open, waiting for its hello
  backing_off,             // no link; waiting before the next attempt
  closing,                 // stop requested; waiting for the links to close
  stopped,
};
inline constexpr SessionState all_session_states[] = {
    SessionState::idle,           SessionState::requesting_url,         SessionState::connecting,
    SessionState::awaiting_hello, SessionState::connected,              SessionState::refresh_requesting_url,
    SessionState::refresh_connecting, SessionState::refresh_awaiting_hello, SessionState::backing_off,
    SessionState::closing,        SessionState::stopped};
std::string_view to_string(SessionState state);

enum class SessionEventType {
  start,
  url_ready,        // apps.connections.open answered a URL for `link`
  url_failed,       // … failed (network, HTTP, ok:false); retry_after when rate limited
  socket_open,      // the WebSocket handshake of `link` completed
  link_lost,        // `link` is gone: connect failed, read failed, closed by either side
  hello,
  disconnect,       // a disconnect frame on `link`
  envelope,         // an envelope frame on `link`
  silence,          // no frame and no pong on `link` for the liveness timeout
  backoff_elapsed,
  stop,
};
inline constexpr SessionEventType all_session_events[] = {
    SessionEventType::start,     SessionEventType::url_ready, SessionEventType::url_failed,
    SessionEventType::socket_open, SessionEventType::link_lost, SessionEventType::hello,
    SessionEventType::disconnect, SessionEventType::envelope, SessionEventType::silence,
    SessionEventType::backoff_elapsed, SessionEventType::stop};
std::string_view to_string(SessionEventType type);

struct SessionEvent {
  SessionEventType type = SessionEventType::start;
  LinkId link = 0;
  std::string url;                                       // url_ready
  DisconnectReason reason = DisconnectReason::unknown;   // disconnect
  std::optional<std::chrono::milliseconds> retry_after;  // url_failed with HTTP 429
};

enum class SessionActionType {
  request_url,  // call apps.connections.open for `link`
  connect,      // open a WebSocket to `url` as `link`
  close,        // close `link` gracefully (1000); it then reports link_lost
  abort,        // drop `link`'s TCP connection now (silent peer)
  wait,         // report backoff_elapsed after `delay`
  dispatch,     // acknowledge and handle the envelope that came on `link`
  connected,    // `link` said hello and now serves
};
std::string_view to_string(SessionActionType type);

struct SessionAction {
  SessionActionType type;
  LinkId link = 0;
  std::string url;
  std::chrono::milliseconds delay{0};
  bool operator==(const SessionAction&) const = default;
};

struct SessionTimings {
  std::chrono::milliseconds first_retry{1000};     // first reconnect waits 0.5–1 s
  std::chrono::milliseconds max_retry{180000};     // and never more than 3 min
  std::chrono::milliseconds link_disabled_retry{300000};
};

class SocketModeSession {
 public:
  explicit SocketModeSession(SessionTimings timings = {}, std::uint64_t seed = 0x5eed);

  std::vector<SessionAction> handle(const SessionEvent& event);

  SessionState state() const { return state_; }
  // Serving: a link said hello and is not known to be gone.
  bool ready() const;
  LinkId primary() const { return primary_; }
  LinkId replacement() const { return replacement_; }

 private:
  using Actions = std::vector<SessionAction>;
  LinkId new_link() { return ++last_link_; }
  void request_primary(Actions& actions);
  void back_off(Actions& actions, std::chrono::milliseconds at_least = {});
  void on_url_ready(const SessionEvent& event, Actions& actions);
  void on_url_failed(const SessionEvent& event, Actions& actions);
  void on_socket_open(const SessionEvent& event, Actions& actions);
  void on_hello(const SessionEvent& event, Actions& actions);
  void on_disconnect(const SessionEvent& event, Actions& actions);
  void on_link_lost(LinkId link, Actions& actions);
  void on_stop(Actions& actions);
  // The old link is gone while a replacement was on its way: the replacement becomes the primary.
  void promote_replacement();

  SessionTimings timings_;
  Backoff backoff_;
  SessionState state_ = SessionState::idle;
  LinkId last_link_ = 0;
  LinkId primary_ = 0;
  LinkId replacement_ = 0;
  // A Retry-After learnt while the old link still served: the next reconnect honours it.
  std::chrono::milliseconds pending_retry_after_{0};
};

}  // namespace katabot::slack
