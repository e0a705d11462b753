#include <catch2/catch.hpp>

#include <map>

#include "bot/slack/socket_mode_session.hpp"

using namespace katabot::slack;
using namespace std::chrono_literals;
using Type = SessionActionType;

namespace {

struct Driven {
  SocketModeSession session;
  LinkId old_link = 0;  // in refresh states: the link still serving
};

std::vector<SessionAction> feed(SocketModeSession& session, SessionEventType type, LinkId link = 0,
                                DisconnectReason reason = DisconnectReason::unknown) {
  SessionEvent event;
  event.type = type;
  event.link = link;
  event.url = "ws://127.0.0.1:1/link/?ticket=t";
  event.reason = reason;
  return session.handle(event);
}

bool has(const std::vector<SessionAction>& actions, Type type, LinkId link = 0) {
  for (const auto& action : actions) {
    if (action.type == type && (link == 0 || action.link == link)) return true;
  }
  return false;
}

std::chrono::milliseconds wait_of(const std::vector<SessionAction>& actions) {
  for (const auto& action : actions) {
    if (action.type == Type::wait) return action.delay;
  }
  return -1ms;
}

// Drives a fresh session into `state` the way the adapter would.
SocketModeSession reach(SessionState state) {
  SocketModeSession s;
  if (state == SessionState::idle) return s;
  feed(s, SessionEventType::start);
  if (state == SessionState::requesting_url) return s;
  if (state == SessionState::backing_off) {
    feed(s, SessionEventType::url_failed, s.primary());
    return s;
  }
  if (state == SessionState::stopped) {
    feed(s, SessionEventType::stop);
    return s;
  }
  feed(s, SessionEventType::url_ready, s.primary());
  if (state == SessionState::connecting) return s;
  feed(s, SessionEventType::socket_open, s.primary());
  if (state == SessionState::awaiting_hello) return s;
  feed(s, SessionEventType::hello, s.primary());
  if (state == SessionState::connected) return s;
  if (state == SessionState::closing) {
    feed(s, SessionEventType::stop);
    return s;
  }
  feed(s, SessionEventType::disconnect, s.primary(), DisconnectReason::warning);
  if (state == SessionState::refresh_requesting_url) return s;
  feed(s, SessionEventType::url_ready, s.replacement());
  if (state == SessionState::refresh_connecting) return s;
  feed(s, SessionEventType::socket_open, s.replacement());
  return s;  // refresh_awaiting_hello
}

}  // namespace

TEST_CASE("slack session: reach() puts the session in every state", "[slack][session]") {
  for (const auto state : all_session_states) {
    CHECK(reach(state).state() == state);
  }
}

TEST_CASE("slack session: the happy path connects once and is ready only after hello", "[slack][session]") {
  SocketModeSession s;
  auto actions = feed(s, SessionEventType::start);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].type == Type::request_url);
  const auto link = actions[0].link;
  actions = feed(s, SessionEventType::url_ready, link);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].type == Type::connect);
  CHECK(actions[0].url == "ws://127.0.0.1:1/link/?ticket=t");
  CHECK_FALSE(s.ready());
  feed(s, SessionEventType::socket_open, link);
  CHECK_FALSE(s.ready());
  actions = feed(s, SessionEventType::hello, link);
  CHECK(has(actions, Type::connected, link));
  CHECK(s.ready());
}

TEST_CASE("slack session: every (state, event) pair is handled", "[slack][session]") {
  // For each pair: the event concerning the link that matters in that state (the replacement
  // while refreshing, else the primary), then the same event from a link the session never made.
  struct Expect {
    SessionState next;
    std::vector<Type> actions;
  };
  using S = SessionState;
  using E = SessionEventType;
  const std::map<std::pair<S, E>, Expect> table = {
      // idle
      {{S::idle, E::start}, {S::requesting_url, {Type::request_url}}},
      {{S::idle, E::url_ready}, {S::idle, {}}},
      {{S::idle, E::url_failed}, {S::idle, {}}},
      {{S::idle, E::socket_open}, {S::idle, {Type::close}}},
      {{S::idle, E::link_lost}, {S::idle, {}}},
      {{S::idle, E::hello}, {S::idle, {}}},
      {{S::idle, E::disconnect}, {S::idle, {}}},
      {{S::idle, E::envelope}, {S::idle, {Type::dispatch}}},
      {{S::idle, E::silence}, {S::idle, {Type::abort}}},
      {{S::idle, E::backoff_elapsed}, {S::idle, {}}},
      {{S::idle, E::stop}, {S::stopped, {}}},
      // requesting_url
      {{S::requesting_url, E::start}, {S::requesting_url, {}}},
      {{S::requesting_url, E::url_ready}, {S::connecting, {Type::connect}}},
      {{S::requesting_url, E::url_failed}, {S::backing_off, {Type::wait}}},
      {{S::requesting_url, E::socket_open}, {S::requesting_url, {}}},
      {{S::requesting_url, E::link_lost}, {S::requesting_url, {}}},
      {{S::requesting_url, E::hello}, {S::requesting_url, {}}},
      {{S::requesting_url, E::disconnect}, {S::requesting_url, {}}},
      {{S::requesting_url, E::envelope}, {S::requesting_url, {Type::dispatch}}},
      {{S::requesting_url, E::silence}, {S::requesting_url, {Type::abort}}},
      {{S::requesting_url, E::backoff_elapsed}, {S::requesting_url, {}}},
      {{S::requesting_url, E::stop}, {S::stopped, {}}},
      // connecting
      {{S::connecting, E::start}, {S::connecting, {}}},
      {{S::connecting, E::url_ready}, {S::connecting, {}}},
      {{S::connecting, E::url_failed}, {S::connecting, {}}},
      {{S::connecting, E::socket_open}, {S::awaiting_hello, {}}},
      {{S::connecting, E::link_lost}, {S::backing_off, {Type::wait}}},
      {{S::connecting, E::hello}, {S::connected, {Type::connected}}},
      {{S::connecting, E::disconnect}, {S::backing_off, {Type::close, Type::wait}}},
      {{S::connecting, E::envelope}, {S::connecting, {Type::dispatch}}},
      {{S::connecting, E::silence}, {S::backing_off, {Type::abort, Type::wait}}},
      {{S::connecting, E::backoff_elapsed}, {S::connecting, {}}},
      {{S::connecting, E::stop}, {S::closing, {Type::close}}},
      // awaiting_hello
      {{S::awaiting_hello, E::start}, {S::awaiting_hello, {}}},
      {{S::awaiting_hello, E::url_ready}, {S::awaiting_hello, {}}},
      {{S::awaiting_hello, E::url_failed}, {S::awaiting_hello, {}}},
      {{S::awaiting_hello, E::socket_open}, {S::awaiting_hello, {}}},
      {{S::awaiting_hello, E::link_lost}, {S::backing_off, {Type::wait}}},
      {{S::awaiting_hello, E::hello}, {S::connected, {Type::connected}}},
      {{S::awaiting_hello, E::disconnect}, {S::backing_off, {Type::close, Type::wait}}},
      {{S::awaiting_hello, E::envelope}, {S::awaiting_hello, {Type::dispatch}}},
      {{S::awaiting_hello, E::silence}, {S::backing_off, {Type::abort, Type::wait}}},
      {{S::awaiting_hello, E::backoff_elapsed}, {S::awaiting_hello, {}}},
      {{S::awaiting_hello, E::stop}, {S::closing, {Type::close}}},
      // connected
      {{S::connected, E::start}, {S::connected, {}}},
      {{S::connected, E::url_ready}, {S::connected, {}}},
      {{S::connected, E::url_failed}, {S::connected, {}}},
      {{S::connected, E::socket_open}, {S::connected, {}}},
      {{S::connected, E::link_lost}, {S::backing_off, {Type::wait}}},
      {{S::connected, E::hello}, {S::connected, {}}},
      {{S::connected, E::disconnect}, {S::refresh_requesting_url, {Type::request_url}}},
      {{S::connected, E::envelope}, {S::connected, {Type::dispatch}}},
      {{S::connected, E::silence}, {S::backing_off, {Type::abort, Type::wait}}},
      {{S::connected, E::backoff_elapsed}, {S::connected, {}}},
      {{S::connected, E::stop}, {S::closing, {Type::close}}},
      // refresh_requesting_url (event link: the replacement)
      {{S::refresh_requesting_url, E::start}, {S::refresh_requesting_url, {}}},
      {{S::refresh_requesting_url, E::url_ready}, {S::refresh_connecting, {Type::connect}}},
      {{S::refresh_requesting_url, E::url_failed}, {S::connected, {}}},
      {{S::refresh_requesting_url, E::socket_open}, {S::refresh_requesting_url, {}}},
      {{S::refresh_requesting_url, E::link_lost}, {S::refresh_requesting_url, {}}},
      {{S::refresh_requesting_url, E::hello}, {S::refresh_requesting_url, {}}},
      {{S::refresh_requesting_url, E::disconnect}, {S::refresh_requesting_url, {}}},
      {{S::refresh_requesting_url, E::envelope}, {S::refresh_requesting_url, {Type::dispatch}}},
      {{S::refresh_requesting_url, E::silence}, {S::refresh_requesting_url, {Type::abort}}},
      {{S::refresh_requesting_url, E::backoff_elapsed}, {S::refresh_requesting_url, {}}},
      {{S::refresh_requesting_url, E::stop}, {S::closing, {Type::close}}},
      // refresh_connecting (event link: the replacement)
      {{S::refresh_connecting, E::start}, {S::refresh_connecting, {}}},
      {{S::refresh_connecting, E::url_ready}, {S::refresh_connecting, {}}},
      {{S::refresh_connecting, E::url_failed}, {S::refresh_connecting, {}}},
      {{S::refresh_connecting, E::socket_open}, {S::refresh_awaiting_hello, {}}},
      {{S::refresh_connecting, E::link_lost}, {S::connected, {}}},
      {{S::refresh_connecting, E::hello}, {S::connected, {Type::close, Type::connected}}},
      {{S::refresh_connecting, E::disconnect}, {S::connected, {Type::close}}},
      {{S::refresh_connecting, E::envelope}, {S::refresh_connecting, {Type::dispatch}}},
      {{S::refresh_connecting, E::silence}, {S::connected, {Type::abort}}},
      {{S::refresh_connecting, E::backoff_elapsed}, {S::refresh_connecting, {}}},
      {{S::refresh_connecting, E::stop}, {S::closing, {Type::close, Type::close}}},
      // refresh_awaiting_hello (event link: the replacement)
      {{S::refresh_awaiting_hello, E::start}, {S::refresh_awaiting_hello, {}}},
      {{S::refresh_awaiting_hello, E::url_ready}, {S::refresh_awaiting_hello, {}}},
      {{S::refresh_awaiting_hello, E::url_failed}, {S::refresh_awaiting_hello, {}}},
      {{S::refresh_awaiting_hello, E::socket_open}, {S::refresh_awaiting_hello, {}}},
      {{S::refresh_awaiting_hello, E::link_lost}, {S::connected, {}}},
      {{S::refresh_awaiting_hello, E::hello}, {S::connected, {Type::close, Type::connected}}},
      {{S::refresh_awaiting_hello, E::disconnect}, {S::connected, {Type::close}}},
      {{S::refresh_awaiting_hello, E::envelope}, {S::refresh_awaiting_hello, {Type::dispatch}}},
      {{S::refresh_awaiting_hello, E::silence}, {S::connected, {Type::abort}}},
      {{S::refresh_awaiting_hello, E::backoff_elapsed}, {S::refresh_awaiting_hello, {}}},
      {{S::refresh_awaiting_hello, E::stop}, {S::closing, {Type::close, Type::close}}},
      // backing_off
      {{S::backing_off, E::start}, {S::backing_off, {}}},
      {{S::backing_off, E::url_ready}, {S::backing_off, {}}},
      {{S::backing_off, E::url_failed}, {S::backing_off, {}}},
      {{S::backing_off, E::socket_open}, {S::backing_off, {Type::close}}},
      {{S::backing_off, E::link_lost}, {S::backing_off, {}}},
      {{S::backing_off, E::hello}, {S::backing_off, {}}},
      {{S::backing_off, E::disconnect}, {S::backing_off, {}}},
      {{S::backing_off, E::envelope}, {S::backing_off, {Type::dispatch}}},
      {{S::backing_off, E::silence}, {S::backing_off, {Type::abort}}},
      {{S::backing_off, E::backoff_elapsed}, {S::requesting_url, {Type::request_url}}},
      {{S::backing_off, E::stop}, {S::stopped, {}}},
      // closing (event link: the primary being closed)
      {{S::closing, E::start}, {S::closing, {}}},
      {{S::closing, E::url_ready}, {S::closing, {}}},
      {{S::closing, E::url_failed}, {S::closing, {}}},
      {{S::closing, E::socket_open}, {S::closing, {Type::close}}},
      {{S::closing, E::link_lost}, {S::stopped, {}}},
      {{S::closing, E::hello}, {S::closing, {}}},
      {{S::closing, E::disconnect}, {S::closing, {}}},
      {{S::closing, E::envelope}, {S::closing, {}}},
      {{S::closing, E::silence}, {S::stopped, {Type::abort}}},
      {{S::closing, E::backoff_elapsed}, {S::closing, {}}},
      {{S::closing, E::stop}, {S::closing, {}}},
      // stopped
      {{S::stopped, E::start}, {S::stopped, {}}},
      {{S::stopped, E::url_ready}, {S::stopped, {}}},
      {{S::stopped, E::url_failed}, {S::stopped, {}}},
      {{S::stopped, E::socket_open}, {S::stopped, {Type::close}}},
      {{S::stopped, E::link_lost}, {S::stopped, {}}},
      {{S::stopped, E::hello}, {S::stopped, {}}},
      {{S::stopped, E::disconnect}, {S::stopped, {}}},
      {{S::stopped, E::envelope}, {S::stopped, {}}},
      {{S::stopped, E::silence}, {S::stopped, {Type::abort}}},
      {{S::stopped, E::backoff_elapsed}, {S::stopped, {}}},
      {{S::stopped, E::stop}, {S::stopped, {}}},
  };
  REQUIRE(table.size() == std::size(all_session_states) * std::size(all_session_events));

  for (const auto state : all_session_states) {
    for (const auto event : all_session_events) {
      INFO("state " << to_string(state) << ", event " << to_string(event));
      auto s = reach(state);
      const bool refreshing = state == S::refresh_requesting_url || state == S::refresh_connecting ||
                              state == S::refresh_awaiting_hello;
      const auto link = refreshing ? s.replacement() : (s.primary() != 0 ? s.primary() : 1);
      const auto actions = feed(s, event, link, DisconnectReason::refresh_requested);
      const auto& expected = table.at({state, event});
      CHECK(s.state() == expected.next);
      std::vector<Type> types;
      for (const auto& action : actions) types.push_back(action.type);
      CHECK(types == expected.actions);

      // A link the session never made changes nothing but closing its socket.
      auto other = reach(state);
      const auto before = other.state();
      const auto stale = feed(other, event, 999, DisconnectReason::too_many_websockets);
      if (event != E::start && event != E::stop && event != E::backoff_elapsed) CHECK(other.state() == before);
      for (const auto& action : stale) {
        if (event == E::start || event == E::stop || event == E::backoff_elapsed) break;
        CHECK((action.type == Type::close || action.type == Type::abort || action.type == Type::dispatch));
        CHECK(action.link == 999);
      }
    }
  }
}

TEST_CASE("slack session: refresh opens the new link before closing the old one", "[slack][session]") {
  auto s = reach(SessionState::connected);
  const auto old_link = s.primary();
  auto actions = feed(s, SessionEventType::disconnect, old_link, DisconnectReason::warning);
  REQUIRE(has(actions, Type::request_url));
  CHECK_FALSE(has(actions, Type::close));
  CHECK(s.ready());
  const auto fresh = s.replacement();
  CHECK(fresh != old_link);
  // refresh_requested after warning: already refreshing, nothing new
  CHECK(feed(s, SessionEventType::disconnect, old_link, DisconnectReason::refresh_requested).empty());
  feed(s, SessionEventType::url_ready, fresh);
  // The old link keeps serving meanwhile.
  CHECK(has(feed(s, SessionEventType::envelope, old_link), Type::dispatch, old_link));
  feed(s, SessionEventType::socket_open, fresh);
  actions = feed(s, SessionEventType::hello, fresh);
  REQUIRE(actions.size() == 2);
  CHECK(actions[0] == SessionAction{Type::close, old_link});
  CHECK(actions[1] == SessionAction{Type::connected, fresh});
  CHECK(s.primary() == fresh);
  // The old link's close completing later changes nothing.
  CHECK(feed(s, SessionEventType::link_lost, old_link).empty());
  CHECK(s.state() == SessionState::connected);
}

TEST_CASE("slack session: old link dropped during refresh hands over to the replacement", "[slack][session]") {
  auto s = reach(SessionState::refresh_connecting);
  const auto fresh = s.replacement();
  feed(s, SessionEventType::link_lost, s.primary());
  CHECK(s.state() == SessionState::connecting);
  CHECK(s.primary() == fresh);
  CHECK_FALSE(s.ready());
  feed(s, SessionEventType::socket_open, fresh);
  CHECK(has(feed(s, SessionEventType::hello, fresh), Type::connected, fresh));
}

TEST_CASE("slack session: too_many_websockets closes first, then backs off", "[slack][session]") {
  for (const auto state : {SessionState::awaiting_hello, SessionState::connected}) {
    auto s = reach(state);
    const auto link = s.primary();
    const auto actions = feed(s, SessionEventType::disconnect, link, DisconnectReason::too_many_websockets);
    REQUIRE(actions.size() == 2);
    CHECK(actions[0] == SessionAction{Type::close, link});
    CHECK(actions[1].type == Type::wait);
    CHECK(actions[1].delay > 0ms);
    CHECK(s.state() == SessionState::backing_off);
    CHECK_FALSE(s.ready());
  }
}

TEST_CASE("slack session: link_disabled backs off for long", "[slack][session]") {
  auto s = reach(SessionState::connected);
  const auto actions = feed(s, SessionEventType::disconnect, s.primary(), DisconnectReason::link_disabled);
  CHECK(wait_of(actions) >= SessionTimings{}.link_disabled_retry);
}

TEST_CASE("slack session: backoff starts at most 1 s, grows, caps, resets on hello", "[slack][session]") {
  SocketModeSession s;
  feed(s, SessionEventType::start);
  std::vector<std::chrono::milliseconds> delays;
  for (int attempt = 0; attempt < 20; ++attempt) {
    delays.push_back(wait_of(feed(s, SessionEventType::url_failed, s.primary())));
    feed(s, SessionEventType::backoff_elapsed);
  }
  CHECK(delays.front() <= 1000ms);
  CHECK(delays.front() >= 500ms);
  CHECK(delays[5] > delays[0]);
  for (const auto delay : delays) CHECK(delay <= SessionTimings{}.max_retry);
  CHECK(delays.back() >= SessionTimings{}.max_retry / 2);
  // hello resets the backoff
  feed(s, SessionEventType::url_ready, s.primary());
  feed(s, SessionEventType::socket_open, s.primary());
  feed(s, SessionEventType::hello, s.primary());
  CHECK(wait_of(feed(s, SessionEventType::link_lost, s.primary())) <= 1000ms);
}

TEST_CASE("slack session: Retry-After bounds the next attempt from below", "[slack][session]") {
  SocketModeSession s;
  feed(s, SessionEventType::start);
  SessionEvent failed{SessionEventType::url_failed, s.primary()};
  failed.retry_after = 30s;
  CHECK(wait_of(s.handle(failed)) >= 30s);

  // Rate limited while refreshing: honoured when the old link goes.
  auto r = reach(SessionState::refresh_requesting_url);
  SessionEvent refresh_failed{SessionEventType::url_failed, r.replacement()};
  refresh_failed.retry_after = 20s;
  r.handle(refresh_failed);
  CHECK(r.state() == SessionState::connected);
  CHECK(wait_of(feed(r, SessionEventType::link_lost, r.primary())) >= 20s);
}

TEST_CASE("slack session: a stop while connecting waits for the socket, then stops", "[slack][session]") {
  auto s = reach(SessionState::connecting);
  const auto link = s.primary();
  const auto actions = feed(s, SessionEventType::stop);
  CHECK(actions == std::vector<SessionAction>{{Type::close, link}});
  CHECK(feed(s, SessionEventType::socket_open, link) == std::vector<SessionAction>{{Type::close, link}});
  CHECK(feed(s, SessionEventType::envelope, link).empty());  // not acked: Slack redelivers elsewhere
  feed(s, SessionEventType::link_lost, link);
  CHECK(s.state() == SessionState::stopped);
}

TEST_CASE("slack session: frames before hello are still served", "[slack][session]") {
  auto s = reach(SessionState::awaiting_hello);
  CHECK(has(feed(s, SessionEventType::envelope, s.primary()), Type::dispatch));
  CHECK(s.state() == SessionState::awaiting_hello);
}
