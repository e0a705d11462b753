// The Slack driver: performs what SlackCore decides. Every coroutine it starts is a child of one
// of its task groups — `work` (links, URL requests, backoff, answers: a graceful stop waits for
// them) or `background` (auth.test, users.info and its deadline: dropped at stop, when the core
// answers what waited for them) — so stopping is "stop, join, cancel what is left", never a hand
// count.
#include "bot/slack/slack_adapter.hpp"
#include "bot/net/no_throw.hpp"

#include <deque>
#include <map>
#include <set>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/coordination/event_claims_etcd.hpp"
#include "bot/render.hpp"
#include "bot/slack/exactly_once_post.hpp"
#include "bot/slack/json_fields.hpp"
#include "bot/slack/post_metadata.hpp"
#include "bot/slack/redact.hpp"
#include "bot/slack/tls_connect.hpp"
#include "bot/slack/web_api_client.hpp"
#include "bot/slack/websocket_link.hpp"
#include "bot/task_group.hpp"

namespace katabot {

namespace asio = boost::asio;
using namespace slack;
using namespace asio::experimental::awaitable_operators;
using Steady = std::chrono::steady_clock;

namespace {

const Labels slack_labels = {{"platform", "slack"}};
// After run() is cancelled, what its children get to notice it and end.
constexpr std::chrono::milliseconds cancel_grace{100};
constexpr std::size_t max_unsettled_keys = 1000;
// How far back a reminder whose last try ended ambiguously is looked for before it is tried again.
constexpr auto reminder_lookback = std::chrono::hours(24);

asio::awaitable<bool> cancelled_now() {
  const auto state = co_await asio::this_coro::cancellation_state;
  co_return state.cancelled() != asio::cancellation_type::none;
}

// One WebSocket and its single writer: acks, pings and the close frame are queued here and written
// one at a time, so the reader never waits for a write and no two writes overlap.
struct LinkIo {
  LinkIo(asio::any_io_executor executor, std::shared_ptr<WebSocketLink> socket)
      : socket(std::move(socket)), wake(executor), watchdog(executor) {}

  enum class Kind { text, ping, close };
  struct Outgoing {
    Kind kind;
    std::string text;
    Steady::time_point received;
  };

  void enqueue(Outgoing item) {
    if (item.kind == Kind::ping) {
      if (ping_pending) return;  // one unanswered ping is enough
      ping_pending = true;
    }
    queue.push_back(std::move(item));
    wake.cancel();
  }

  std::shared_ptr<WebSocketLink> socket;
  std::deque<Outgoing> queue;
  asio::steady_timer wake;      // the writer sleeps on it while the queue is empty
  asio::steady_timer watchdog;  // between two looks at the link's liveness
  bool open = false;
  bool ping_pending = false;
};

}  // namespace

struct SlackDriver : std::enable_shared_from_this<SlackDriver> {
  SlackDriver(asio::any_io_executor executor, SlackConfig config, InboundHandler handler, Metrics& metrics,
              const Clock& clock, SlackTimings timings, std::shared_ptr<coordination::EtcdEventClaims> event_claims)
      : executor(executor),
        config(std::move(config)),
        metrics(metrics),
        timings(timings),
        tls(make_client_tls_context(this->config.ca_file)),
        api(executor, this->config.api_base, metrics, tls, WebApiSettings{.request_timeout = timings.request_timeout, .post_spacing = timings.post_spacing}),
        core(std::move(handler), metrics, clock,
             CoreTimings{timings.first_retry, timings.max_retry, timings.silence_timeout, timings.hello_timeout},
             std::random_device{}()),
        event_claims(std::move(event_claims)),
        work(executor),
        background(executor),
        backoff_timer(executor),
        stopped_signal(executor) {
    if (this->event_claims) core.share_event_dedupe();
  }

  asio::any_io_executor executor;
  SlackConfig config;
  Metrics& metrics;
  SlackTimings timings;
  std::shared_ptr<asio::ssl::context> tls;  // one trust configuration for the Web API and Socket Mode
  WebApiClient api;
  SlackCore core;
  std::shared_ptr<coordination::EtcdEventClaims> event_claims;
  TaskGroup work;
  TaskGroup background;
  asio::steady_timer backoff_timer;
  asio::steady_timer stopped_signal;  // run() sleeps on it until the core says stopped
  std::map<LinkId, std::shared_ptr<LinkIo>> links;
  std::set<std::string> unsettled_keys;
  std::uint64_t posts = 0;  // numbers the keys of posts that came without one
  bool running = false;

  using Self = std::shared_ptr<SlackDriver>;

  void execute(const SlackCore::Actions& actions) {
    for (const auto& action : actions) perform(action);
    if (core.stopped()) stopped_signal.cancel();
  }

  void perform(const CoreAction& action) {
    auto self = shared_from_this();
    switch (action.type) {
      case CoreActionType::request_url: work.spawn(request_url(self, action.link), "slack apps.connections.open"); return;
      case CoreActionType::connect: connect(action.link, action.text); return;
      case CoreActionType::close:
        if (const auto link = links.find(action.link); link != links.end()) {
          // A socket still handshaking has nobody to say goodbye to: its connect fails now.
          if (link->second->open) {
            link->second->enqueue({LinkIo::Kind::close, {}, {}});
          } else {
            link->second->socket->abort();
          }
        }
        return;
      case CoreActionType::abort:
        if (const auto link = links.find(action.link); link != links.end()) link->second->socket->abort();
        return;
      case CoreActionType::wait: work.spawn(wait_backoff(self, action.delay), "slack backoff"); return;
      case CoreActionType::write:
        if (const auto link = links.find(action.link); link != links.end()) {
          link->second->enqueue({LinkIo::Kind::text, action.text, action.received});
        }
        return;
      case CoreActionType::ping:
        if (const auto link = links.find(action.link); link != links.end()) link->second->enqueue({LinkIo::Kind::ping, {}, {}});
        return;
      case CoreActionType::identify: background.spawn(identify(self), "slack auth.test"); return;
      case CoreActionType::look_up_user:
        background.spawn(look_up_user(self, action.text), "slack users.info");
        background.spawn(give_up_lookup(self, action.text), "slack users.info deadline");
        return;
      case CoreActionType::answer: work.spawn(post_answer(self, *action.answer), "slack answer"); return;
      case CoreActionType::claim_event: work.spawn(claim_event(self, action.text), "slack event claim"); return;
    }
  }

  static asio::awaitable<void> claim_event(Self self, std::string event_id) {
    const auto claim = co_await self->event_claims->claim(event_id);
    self->execute(self->core.event_claimed(event_id, claim));
  }

  static asio::awaitable<void> request_url(Self self, LinkId link) {
    const auto result = co_await self->api.call("apps.connections.open", self->config.app_token,
                                                nlohmann::json::object(), Retries::off, Encoding::form);
    if (auto url = string_field(result.body, "url"); result.ok && !url.empty()) {
      self->execute(self->core.url_ready(link, std::move(url)));
      co_return;
    }
    if (result.ok) spdlog::warn("slack: apps.connections.open answered without a url");
    self->execute(self->core.url_failed(link, result.retry_after));
  }

  static asio::awaitable<void> wait_backoff(Self self, std::chrono::milliseconds delay) {
    if (self->core.stopped()) co_return;  // stop() came before this task started waiting
    self->backoff_timer.expires_after(delay);
    const auto [error] = co_await self->backoff_timer.async_wait(no_throw);
    if (!error) self->execute(self->core.backoff_elapsed());
  }

  static asio::awaitable<void> identify(Self self) {
    const auto result = co_await self->api.call("auth.test", self->config.bot_token, nlohmann::json::object());
    // A failure is logged by the client; it is tried again at the next connection.
    self->core.identified(result.ok ? string_field(result.body, "user_id") : std::string());
    if (result.ok) {
      spdlog::info("slack: authenticated as {} (user {}, team {})", string_field(result.body, "user"),
                   self->core.bot_user_id(), string_field(result.body, "team"));
    }
  }

  static asio::awaitable<void> look_up_user(Self self, std::string user) {
    nlohmann::json fields = nlohmann::json::object();
    fields["user"] = user;
    const auto result =
        co_await self->api.call("users.info", self->config.bot_token, std::move(fields), Retries::on, Encoding::form);
    if (result.ok || (result.http_status == 200 && !result.error.empty())) {
      // A definite answer (even "no such user", a missing scope or "tz": null) is remembered as the
      // zone or "" for unknown; a network failure is not.
      const auto* profile = object_field(result.body, "user");
      self->execute(self->core.user_looked_up(
          user, result.ok && profile != nullptr ? string_field(*profile, "tz") : std::string()));
    } else {
      self->execute(self->core.user_looked_up(user, std::nullopt));
    }
  }

  // The answer waits for users.info at most user_lookup_timeout; then it goes out without a zone.
  static asio::awaitable<void> give_up_lookup(Self self, std::string user) {
    asio::steady_timer timer(self->executor, self->timings.user_lookup_timeout);
    const auto [error] = co_await timer.async_wait(no_throw);
    if (!error) self->execute(self->core.user_looked_up(user, std::nullopt));
  }

  static asio::awaitable<void> post_answer(Self self, AnswerPost answer) {
    if (!answer.response_url.empty()) {
      const auto result = co_await self->api.post_to_url(answer.response_url, answer.response_payload);
      if (result.ok) {
        self->metrics.increment("katabot_messages_out_total", slack_labels);
        co_return;
      }
    }
    if (answer.method == "chat.postMessage") {
      // Named, not a temporary inside the co_await: g++ 12 destroys such temporaries twice.
      OncePost once{answer_event_type, std::move(answer.key)};
      const auto posted =
          co_await post_once(self->api, self->config.bot_token, std::move(answer.message), std::move(once));
      if (posted.outcome.is_delivered()) self->metrics.increment("katabot_messages_out_total", slack_labels);
      co_return;
    }
    const auto result = co_await self->api.call(answer.method, self->config.bot_token, std::move(answer.message));
    if (result.ok) self->metrics.increment("katabot_messages_out_total", slack_labels);
  }

  // Keys whose last post ended ambiguously: the next try posts only if the history says it is not there.
  void remember_unsettled(const std::string& key, bool unsettled) {
    if (!unsettled) {
      unsettled_keys.erase(key);
      return;
    }
    if (unsettled_keys.size() >= max_unsettled_keys) unsettled_keys.erase(unsettled_keys.begin());
    unsettled_keys.insert(key);
  }

  // --- one WebSocket: connect, then reader || watchdog || writer until it is gone -------------
  void connect(LinkId id, const std::string& url_text) {
    const auto url = parse_url(url_text);
    if (!url || (url->scheme != "ws" && url->scheme != "wss")) {
      spdlog::warn("slack: apps.connections.open gave an unusable URL: {}", redact_secrets(url_text));
      asio::post(executor, [self = shared_from_this(), id] { self->execute(self->core.link_lost(id)); });
      return;
    }
    auto link = std::make_shared<LinkIo>(executor, WebSocketLink::make(executor, *url, *tls, timings.max_frame_bytes));
    links[id] = link;
    work.spawn(run_link(shared_from_this(), id, link), "slack socket");
  }

  static asio::awaitable<void> run_link(Self self, LinkId id, std::shared_ptr<LinkIo> link) {
    if (const auto error = co_await link->socket->connect(self->timings.connect_timeout)) {
      spdlog::warn("slack: WebSocket connect failed: {}", error.message());
    } else {
      link->open = true;
      self->execute(self->core.socket_open(id, Steady::now()));
      co_await (read(self, id, link) || watch(self, id, link) || write(self, link));
    }
    link->socket->abort();
    self->links.erase(id);
    self->execute(self->core.link_lost(id));
  }

  static asio::awaitable<void> read(Self self, LinkId id, std::shared_ptr<LinkIo> link) {
    for (;;) {
      const auto message = co_await link->socket->read();
      const auto received = Steady::now();
      if (message.error) {
        spdlog::info("slack: WebSocket closed: {}", message.error.message());
        co_return;
      }
      self->execute(self->core.frame(id, {message.data, message.text, message.oversized}, received));
    }
  }

  static asio::awaitable<void> watch(Self self, LinkId id, std::shared_ptr<LinkIo> link) {
    for (;;) {
      link->watchdog.expires_after(self->timings.ping_interval);
      if (const auto [error] = co_await link->watchdog.async_wait(no_throw); error) co_return;
      self->execute(self->core.tick(id, link->socket->last_heard(), Steady::now()));
    }
  }

  static asio::awaitable<void> write(Self self, std::shared_ptr<LinkIo> link) {
    for (;;) {
      if (link->queue.empty()) {
        link->wake.expires_at(Steady::time_point::max());
        co_await link->wake.async_wait(no_throw);
        const bool cancelled = co_await cancelled_now();
        if (cancelled) co_return;
        continue;
      }
      auto item = std::move(link->queue.front());
      link->queue.pop_front();
      switch (item.kind) {
        case LinkIo::Kind::text:
          if (const auto error = co_await link->socket->write_text(item.text)) {
            spdlog::debug("slack: ack not written: {}", error.message());
            co_return;
          }
          self->core.ack_written(item.received, Steady::now());
          break;
        case LinkIo::Kind::ping: {
          const auto error = co_await link->socket->ping();
          if (error) co_return;
          link->ping_pending = false;
          break;
        }
        case LinkIo::Kind::close:
          co_await link->socket->close(self->timings.close_timeout);
          co_return;
      }
    }
  }

  // --- lifecycle --------------------------------------------------------------------------
  static asio::awaitable<void> run(Self self) {
    if (self->running) co_return;
    self->running = true;
    if (self->config.app_token.empty() || self->config.bot_token.empty()) {
      spdlog::error("slack: app_token and bot_token are required");
      co_return;
    }
    // Cancellation is looked at between the steps below, so that run() cancels its own children.
    co_await asio::this_coro::throw_if_cancelled(false);
    self->execute(self->core.start());
    bool cancelled = false;
    while (!self->core.stopped() && !cancelled) {
      self->stopped_signal.expires_at(Steady::time_point::max());
      co_await self->stopped_signal.async_wait(no_throw);
      cancelled = co_await cancelled_now();
    }
    // Graceful: the links closed; answers in flight finish unless run() is cancelled meanwhile.
    if (!cancelled) {
      co_await self->work.join(Steady::time_point::max());
      cancelled = co_await cancelled_now();
    }
    if (cancelled) {
      spdlog::info("slack: cancelled; dropping what is still in flight");
      co_await asio::this_coro::reset_cancellation_state();
    }
    self->cancel_children();
    co_await self->work.join(Steady::now() + cancel_grace);
    co_await self->background.join(Steady::now() + cancel_grace);
    self->api.close_idle();
    spdlog::info("slack: stopped");
  }

  void cancel_children() {
    backoff_timer.cancel();
    work.cancel();
    background.cancel();
    for (const auto& [id, link] : links) link->socket->abort();
  }

  void stop() {
    backoff_timer.cancel();
    background.cancel();
    execute(core.stop());
  }
};

SlackAdapter::SlackAdapter(asio::any_io_executor executor, SlackConfig config, InboundHandler handler, Metrics& metrics,
                           const Clock& clock, SlackTimings timings,
                           std::shared_ptr<coordination::EtcdEventClaims> event_claims)
    : driver_(std::make_shared<SlackDriver>(std::move(executor), std::move(config), std::move(handler), metrics, clock,
                                            timings, std::move(event_claims))) {}

SlackAdapter::~SlackAdapter() = default;

bool SlackAdapter::ready() const { return driver_->core.ready(); }

asio::awaitable<void> SlackAdapter::run() { return SlackDriver::run(driver_); }

void SlackAdapter::stop() { driver_->stop(); }

asio::awaitable<PostOutcome> SlackAdapter::post(std::string channel, Reply reply) {
  auto driver = driver_;
  auto message = render_slack_message(reply);
  message["channel"] = channel;
  OncePost once{reminder_event_type, reply.post_key};
  once.may_send = std::move(reply.may_send);
  if (once.key.empty()) {
    once.key = "post:" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count()) + "-" +
               std::to_string(++driver->posts);
  } else if (driver->unsettled_keys.contains(once.key)) {
    // An earlier try of this key may have posted. A first try is not looked up here: the scheduler
    // has just asked find_posted (one read of the history per reminder, not two).
    once.must_look_first = true;
    once.since = std::chrono::system_clock::now() - reminder_lookback;
  }
  const auto key = once.key;
  const auto posted = co_await post_once(driver->api, driver->config.bot_token, std::move(message), std::move(once));
  driver->remember_unsettled(key, posted.ambiguous);
  if (posted.outcome.is_delivered()) driver->metrics.increment("katabot_messages_out_total", slack_labels);
  co_return posted.outcome;
}

asio::awaitable<bool> SlackAdapter::find_posted(std::string channel, std::string key,
                                               std::chrono::system_clock::time_point since) {
  auto driver = driver_;
  const auto lookup = co_await find_post(driver->api, driver->config.bot_token, channel, key, since);
  co_return lookup == PostLookup::found;
}

AckLatency SlackAdapter::ack_latency() const { return driver_->core.ack_latency(); }

std::string SlackAdapter::bot_user_id() const { return driver_->core.bot_user_id(); }

}  // namespace katabot
