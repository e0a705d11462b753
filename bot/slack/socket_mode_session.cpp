#include "bot/slack/socket_mode_session.hpp"

#include <algorithm>

namespace katabot::slack {

std::string_view to_string(SessionState state) {
  switch (state) {
    case SessionState::idle: return "idle";
    case SessionState::requesting_url: return "requesting_url";
    case SessionState::connecting: return "connecting";
    case SessionState::awaiting_hello: return "awaiting_hello";
    case SessionState::connected: return "connected";
    case SessionState::refresh_requesting_url: return "refresh_requesting_url";
    case SessionState::refresh_connecting: return "refresh_connecting";
    case SessionState::refresh_awaiting_hello: return "refresh_awaiting_hello";
    case SessionState::backing_off: return "backing_off";
    case SessionState::closing: return "closing";
    case SessionState::stopped: return "stopped";
  }
  return "?";
}

std::string_view to_string(SessionEventType type) {
  switch (type) {
    case SessionEventType::start: return "start";
    case SessionEventType::url_ready: return "url_ready";
    case SessionEventType::url_failed: return "url_failed";
    case SessionEventType::socket_open: return "socket_open";
    case SessionEventType::link_lost: return "link_lost";
    case SessionEventType::hello: return "hello";
    case SessionEventType::disconnect: return "disconnect";
    case SessionEventType::envelope: return "envelope";
    case SessionEventType::silence: return "silence";
    case SessionEventType::backoff_elapsed: return "backoff_elapsed";
    case SessionEventType::stop: return "stop";
  }
  return "?";
}

std::string_view to_string(SessionActionType type) {
  switch (type) {
    case SessionActionType::request_url: return "request_url";
    case SessionActionType::connect: return "connect";
    case SessionActionType::close: return "close";
    case SessionActionType::abort: return "abort";
    case SessionActionType::wait: return "wait";
    case SessionActionType::dispatch: return "dispatch";
    case SessionActionType::connected: return "connected";
  }
  return "?";
}

SocketModeSession::SocketModeSession(SessionTimings timings, std::uint64_t seed)
    : timings_(timings), backoff_(timings.first_retry, timings.max_retry, seed) {}

bool SocketModeSession::ready() const {
  return state_ == SessionState::connected || state_ == SessionState::refresh_requesting_url ||
         state_ == SessionState::refresh_connecting || state_ == SessionState::refresh_awaiting_hello;
}

void SocketModeSession::request_primary(Actions& actions) {
  primary_ = new_link();
  state_ = SessionState::requesting_url;
  actions.push_back({SessionActionType::request_url, primary_});
}

void SocketModeSession::back_off(Actions& actions, std::chrono::milliseconds at_least) {
  primary_ = 0;
  replacement_ = 0;
  state_ = SessionState::backing_off;
  const auto delay = std::max({backoff_.next(), at_least, pending_retry_after_});
  pending_retry_after_ = {};
  actions.push_back({SessionActionType::wait, 0, {}, delay});
}

void SocketModeSession::promote_replacement() {
  primary_ = replacement_;
  replacement_ = 0;
  switch (state_) {
    case SessionState::refresh_requesting_url: state_ = SessionState::requesting_url; break;
    case SessionState::refresh_connecting: state_ = SessionState::connecting; break;
    case SessionState::refresh_awaiting_hello: state_ = SessionState::awaiting_hello; break;
    default: break;
  }
}

std::vector<SessionAction> SocketModeSession::handle(const SessionEvent& event) {
  Actions actions;
  switch (event.type) {
    case SessionEventType::start:
      if (state_ == SessionState::idle) request_primary(actions);
      break;
    case SessionEventType::url_ready: on_url_ready(event, actions); break;
    case SessionEventType::url_failed: on_url_failed(event, actions); break;
    case SessionEventType::socket_open: on_socket_open(event, actions); break;
    case SessionEventType::link_lost: on_link_lost(event.link, actions); break;
    case SessionEventType::hello: on_hello(event, actions); break;
    case SessionEventType::disconnect: on_disconnect(event, actions); break;
    case SessionEventType::envelope:
      // While stopping, an envelope stays unacknowledged: Slack redelivers it to a live connection.
      if (state_ != SessionState::closing && state_ != SessionState::stopped) {
        actions.push_back({SessionActionType::dispatch, event.link});
      }
      break;
    case SessionEventType::silence:
      actions.push_back({SessionActionType::abort, event.link});
      on_link_lost(event.link, actions);
      break;
    case SessionEventType::backoff_elapsed:
      if (state_ == SessionState::backing_off) request_primary(actions);
      break;
    case SessionEventType::stop: on_stop(actions); break;
  }
  return actions;
}

void SocketModeSession::on_url_ready(const SessionEvent& event, Actions& actions) {
  if (state_ == SessionState::requesting_url && event.link == primary_) {
    state_ = SessionState::connecting;
    actions.push_back({SessionActionType::connect, primary_, event.url});
  } else if (state_ == SessionState::refresh_requesting_url && event.link == replacement_) {
    state_ = SessionState::refresh_connecting;
    actions.push_back({SessionActionType::connect, replacement_, event.url});
  }
}

void SocketModeSession::on_url_failed(const SessionEvent& event, Actions& actions) {
  const auto retry_after = event.retry_after.value_or(std::chrono::milliseconds{0});
  if (state_ == SessionState::requesting_url && event.link == primary_) {
    back_off(actions, retry_after);
  } else if (state_ == SessionState::refresh_requesting_url && event.link == replacement_) {
    // The old link still serves; when it goes, the reconnect honours what Slack asked.
    replacement_ = 0;
    state_ = SessionState::connected;
    pending_retry_after_ = std::max(pending_retry_after_, retry_after);
  }
}

void SocketModeSession::on_socket_open(const SessionEvent& event, Actions& actions) {
  if (state_ == SessionState::connecting && event.link == primary_) {
    state_ = SessionState::awaiting_hello;
  } else if (state_ == SessionState::refresh_connecting && event.link == replacement_) {
    state_ = SessionState::refresh_awaiting_hello;
  } else if (state_ == SessionState::closing || state_ == SessionState::stopped ||
             (event.link != primary_ && event.link != replacement_)) {
    actions.push_back({SessionActionType::close, event.link});  // nobody wants this socket any more
  }
}

void SocketModeSession::on_hello(const SessionEvent& event, Actions& actions) {
  const bool primary_hello =
      (state_ == SessionState::awaiting_hello || state_ == SessionState::connecting) && event.link == primary_;
  const bool replacement_hello =
      (state_ == SessionState::refresh_awaiting_hello || state_ == SessionState::refresh_connecting) &&
      event.link == replacement_;
  if (replacement_hello) {
    actions.push_back({SessionActionType::close, primary_});
    primary_ = replacement_;
    replacement_ = 0;
  }
  if (primary_hello || replacement_hello) {
    state_ = SessionState::connected;
    backoff_.reset();
    actions.push_back({SessionActionType::connected, primary_});
  }
}

void SocketModeSession::on_disconnect(const SessionEvent& event, Actions& actions) {
  const auto reason = event.reason;
  const bool refresh = reason == DisconnectReason::warning || reason == DisconnectReason::refresh_requested ||
                       reason == DisconnectReason::unknown;
  const auto link_disabled_delay =
      reason == DisconnectReason::link_disabled ? timings_.link_disabled_retry : std::chrono::milliseconds{0};
  const bool on_primary = event.link != 0 && event.link == primary_;
  const bool on_replacement = event.link != 0 && event.link == replacement_;

  switch (state_) {
    case SessionState::connecting:
    case SessionState::awaiting_hello:
      // Before hello nothing is served, so there is nothing to overlap: close, then back off.
      if (!on_primary) return;
      actions.push_back({SessionActionType::close, primary_});
      back_off(actions, link_disabled_delay);
      return;
    case SessionState::connected:
      if (!on_primary) return;
      if (refresh) {
        replacement_ = new_link();
        state_ = SessionState::refresh_requesting_url;
        actions.push_back({SessionActionType::request_url, replacement_});
        return;
      }
      actions.push_back({SessionActionType::close, primary_});
      back_off(actions, link_disabled_delay);
      return;
    case SessionState::refresh_requesting_url:
    case SessionState::refresh_connecting:
    case SessionState::refresh_awaiting_hello:
      if (on_primary) {
        if (refresh) return;  // the replacement is already on its way
        actions.push_back({SessionActionType::close, primary_});
        if (reason == DisconnectReason::link_disabled) {
          if (state_ != SessionState::refresh_requesting_url) actions.push_back({SessionActionType::close, replacement_});
          back_off(actions, link_disabled_delay);
        } else {
          promote_replacement();  // too many sockets: the old one goes first, the new one carries on
        }
      } else if (on_replacement && state_ != SessionState::refresh_requesting_url) {
        actions.push_back({SessionActionType::close, replacement_});
        replacement_ = 0;
        if (reason == DisconnectReason::link_disabled) {
          actions.push_back({SessionActionType::close, primary_});
          back_off(actions, link_disabled_delay);
        } else {
          state_ = SessionState::connected;  // keep serving on the old link
        }
      }
      return;
    case SessionState::idle:
    case SessionState::requesting_url:
    case SessionState::backing_off:
    case SessionState::closing:
    case SessionState::stopped:
      return;  // a retired link talking: it was closed already
  }
}

void SocketModeSession::on_link_lost(LinkId link, Actions& actions) {
  if (link == 0) return;
  if (state_ == SessionState::closing) {
    if (link == primary_) primary_ = 0;
    if (link == replacement_) replacement_ = 0;
    if (primary_ == 0 && replacement_ == 0) state_ = SessionState::stopped;
    return;
  }
  if (link == primary_) {
    switch (state_) {
      case SessionState::connecting:
      case SessionState::awaiting_hello:
      case SessionState::connected:
        back_off(actions);
        return;
      case SessionState::refresh_requesting_url:
      case SessionState::refresh_connecting:
      case SessionState::refresh_awaiting_hello:
        promote_replacement();
        return;
      default:
        return;  // requesting_url: the link has no socket yet
    }
  }
  if (link == replacement_ &&
      (state_ == SessionState::refresh_connecting || state_ == SessionState::refresh_awaiting_hello)) {
    replacement_ = 0;
    state_ = SessionState::connected;
  }
}

void SocketModeSession::on_stop(Actions& actions) {
  switch (state_) {
    case SessionState::closing:
    case SessionState::stopped:
      return;
    case SessionState::idle:
    case SessionState::requesting_url:
    case SessionState::backing_off:
      primary_ = 0;
      replacement_ = 0;
      state_ = SessionState::stopped;
      return;
    case SessionState::refresh_requesting_url:
      replacement_ = 0;  // only a URL request: no socket to close
      break;
    default:
      break;
  }
  if (primary_ != 0) actions.push_back({SessionActionType::close, primary_});
  if (replacement_ != 0) actions.push_back({SessionActionType::close, replacement_});
  state_ = SessionState::closing;
}

}  // namespace katabot::slack
