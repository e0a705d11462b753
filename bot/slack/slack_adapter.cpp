#include "bot/slack/slack_adapter.hpp"

#include <algorithm>
#include <map>
#include <unordered_map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/render.hpp"
#include "bot/slack/envelope.hpp"
#include "bot/slack/event_dedupe.hpp"
#include "bot/slack/json_fields.hpp"
#include "bot/slack/redact.hpp"
#include "bot/slack/socket_mode_session.hpp"
#include "bot/slack/tls_connect.hpp"
#include "bot/slack/web_api_client.hpp"
#include "bot/slack/websocket_link.hpp"

namespace katabot {

namespace net = boost::asio;
using namespace slack;
using Steady = std::chrono::steady_clock;

namespace {

constexpr auto kNoThrow = net::as_tuple(net::use_awaitable);
const Labels kSlack = {{"platform", "slack"}};
constexpr std::size_t kAckSamples = 1024;
constexpr std::size_t kAcksPerSummary = 64;
// Socket Mode switched off in the app settings: nothing works until someone turns it back on.
constexpr std::chrono::milliseconds kLinkDisabledRetry = std::chrono::minutes(5);
constexpr std::size_t kMaxCachedTimezones = 5000;

AckLatency summarize_acks(std::vector<std::chrono::nanoseconds> samples) {
  AckLatency latency;
  latency.samples = samples.size();
  if (samples.empty()) return latency;
  std::sort(samples.begin(), samples.end());
  latency.p50 = samples[samples.size() / 2];
  latency.p99 = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  latency.max = samples.back();
  return latency;
}

// Message subtypes that still carry what a person typed; every other subtype (bot_message,
// message_changed, channel_join, …) is not for us.
bool content_subtype(std::string_view subtype) {
  return subtype.empty() || subtype == "file_share" || subtype == "thread_broadcast";
}

// The <@U…> at the start of a mention when we do not know our own id yet.
std::string leading_mention_id(std::string_view text) {
  if (!text.starts_with("<@")) return {};
  const auto end = text.find_first_of("|>");
  return end == std::string_view::npos ? std::string() : std::string(text.substr(2, end - 2));
}

}  // namespace

struct SlackAdapterState : std::enable_shared_from_this<SlackAdapterState> {
  SlackAdapterState(net::any_io_executor executor, SlackConfig config, InboundHandler handler, Metrics& metrics,
                    const Clock& clock, SlackTimings timings)
      : executor(executor),
        config(std::move(config)),
        handler(std::move(handler)),
        metrics(metrics),
        clock(clock),
        timings(timings),
        tls(make_client_tls_context(this->config.ca_file)),
        api(executor, this->config.api_base, metrics, tls,
            WebApiSettings{.post_spacing = timings.post_spacing}),
        session(SessionTimings{timings.first_retry, timings.max_retry, std::max(timings.max_retry, kLinkDisabledRetry)},
                std::random_device{}()),
        dedupe(clock),
        backoff_timer(executor),
        wake(executor) {}

  net::any_io_executor executor;
  SlackConfig config;
  InboundHandler handler;
  Metrics& metrics;
  const Clock& clock;
  SlackTimings timings;
  std::shared_ptr<net::ssl::context> tls;  // one trust configuration for the Web API and Socket Mode
  WebApiClient api;
  SocketModeSession session;
  EventDedupe dedupe;
  net::steady_timer backoff_timer;
  net::steady_timer wake;  // run() sleeps on it until stopped and every task ended
  std::map<LinkId, std::shared_ptr<WebSocketLink>> links;
  int tasks = 0;
  bool running = false;
  bool stopping = false;
  bool ever_connected = false;
  bool identifying = false;
  std::string bot_user_id;
  std::unordered_map<std::string, std::string> timezones;  // user id → IANA zone ("" = unknown for good)
  std::vector<std::chrono::nanoseconds> ack_samples;
  std::size_t next_ack_sample = 0;
  std::size_t acks_since_summary = 0;

  using Self = std::shared_ptr<SlackAdapterState>;

  // --- tasks -------------------------------------------------------------------------------
  // Tasks that hold a socket or an answer in flight keep run() from returning (graceful stop
  // flushes them); lookups (auth.test, users.info) are background work and do not.
  enum class Holds { shutdown, nothing };
  void spawn(net::awaitable<void> task, const char* what, Holds holds = Holds::shutdown) {
    const bool counted = holds == Holds::shutdown;
    if (counted) ++tasks;
    net::co_spawn(executor, std::move(task), [self = shared_from_this(), what, counted](std::exception_ptr failure) {
      if (failure) {
        try {
          std::rethrow_exception(failure);
        } catch (const std::exception& error) {
          spdlog::error("slack: {} failed: {}", what, redact_secrets(error.what()));
        }
      }
      if (counted) --self->tasks;
      self->wake.cancel();
    });
  }

  // --- the state machine and its actions -----------------------------------------------------
  std::vector<SessionAction> apply(const SessionEvent& event) {
    const auto before = session.state();
    auto actions = session.handle(event);
    if (session.state() != before) {
      spdlog::debug("slack: {} on link {}: {} -> {}", to_string(event.type), event.link, to_string(before),
                    to_string(session.state()));
    }
    for (const auto& action : actions) perform(action);
    if (session.state() == SessionState::stopped) wake.cancel();
    return actions;
  }

  void perform(const SessionAction& action) {
    switch (action.type) {
      case SessionActionType::request_url: spawn(request_url(shared_from_this(), action.link), "apps.connections.open"); break;
      case SessionActionType::connect: connect(action.link, action.url); break;
      case SessionActionType::close:
        if (const auto link = links.find(action.link); link != links.end()) {
          spawn(close_link(shared_from_this(), link->second), "close");
        }
        break;
      case SessionActionType::abort:
        if (const auto link = links.find(action.link); link != links.end()) link->second->abort();
        break;
      case SessionActionType::wait:
        spdlog::info("slack: reconnecting in {} ms", action.delay.count());
        backoff_timer.expires_after(action.delay);
        spawn(wait_backoff(shared_from_this()), "backoff");
        break;
      case SessionActionType::dispatch: break;  // the reader acts on it
      case SessionActionType::connected: on_connected(); break;
    }
  }

  void on_connected() {
    metrics.set_gauge("katabot_last_connected_timestamp_seconds", kSlack,
                      std::chrono::duration<double>(clock.now().time_since_epoch()).count());
    if (ever_connected) metrics.increment("katabot_reconnects_total", kSlack);
    ever_connected = true;
    spdlog::info("slack: connected (Socket Mode)");
    if (bot_user_id.empty() && !identifying) spawn(identify(shared_from_this()), "auth.test", Holds::nothing);
  }

  static net::awaitable<void> wait_backoff(Self self) {
    const auto [error] = co_await self->backoff_timer.async_wait(kNoThrow);
    if (!error) self->apply({SessionEventType::backoff_elapsed});
  }

  static net::awaitable<void> identify(Self self) {
    self->identifying = true;
    const auto result = co_await self->api.call("auth.test", self->config.bot_token, nlohmann::json::object());
    self->identifying = false;
    if (!result.ok) co_return;  // logged by the client; tried again at the next connection
    self->bot_user_id = string_field(result.body, "user_id");
    spdlog::info("slack: authenticated as {} (user {}, team {})", string_field(result.body, "user"), self->bot_user_id,
                 string_field(result.body, "team"));
  }

  static net::awaitable<void> request_url(Self self, LinkId link) {
    auto result = co_await self->api.call("apps.connections.open", self->config.app_token, nlohmann::json::object(),
                                          Retries::off, Encoding::form);
    SessionEvent event{SessionEventType::url_failed, link};
    if (auto url = string_field(result.body, "url"); result.ok && !url.empty()) {
      event.type = SessionEventType::url_ready;
      event.url = std::move(url);
    } else {
      event.retry_after = result.retry_after;
      if (result.ok) spdlog::warn("slack: apps.connections.open answered without a url");
    }
    self->apply(event);
  }

  void connect(LinkId id, const std::string& url_text) {
    const auto url = parse_url(url_text);
    if (!url || (url->scheme != "ws" && url->scheme != "wss")) {
      spdlog::warn("slack: apps.connections.open gave an unusable URL: {}", redact_secrets(url_text));
      net::post(executor, [self = shared_from_this(), id] { self->apply({SessionEventType::link_lost, id}); });
      return;
    }
    auto link = WebSocketLink::make(executor, *url, *tls, timings.max_frame_bytes);
    links[id] = link;
    spawn(run_link(shared_from_this(), id, link), "socket");
  }

  static net::awaitable<void> close_link(Self self, std::shared_ptr<WebSocketLink> link) {
    co_await link->close(self->timings.close_timeout);
  }

  // --- one WebSocket: connect, read until it is gone ----------------------------------------
  static net::awaitable<void> run_link(Self self, LinkId id, std::shared_ptr<WebSocketLink> link) {
    if (const auto error = co_await link->connect(self->timings.connect_timeout)) {
      spdlog::warn("slack: WebSocket connect failed: {}", error.message());
    } else {
      self->apply({SessionEventType::socket_open, id});
      // The watchdog sleeps between pings; it is woken when the link ends so stop() need not wait.
      const auto watchdog = std::make_shared<net::steady_timer>(self->executor);
      self->spawn(watch_link(self, id, link, watchdog), "watchdog");
      for (;;) {
        const auto message = co_await link->read();
        if (message.error) {
          spdlog::info("slack: WebSocket closed: {}", message.error.message());
          break;
        }
        co_await self->on_message(id, *link, message);
      }
      watchdog->cancel();
    }
    link->abort();
    self->links.erase(id);
    self->apply({SessionEventType::link_lost, id});
  }

  // Our own pings, and a link that shows no sign of life for the silence timeout is dropped.
  static net::awaitable<void> watch_link(Self self, LinkId id, std::shared_ptr<WebSocketLink> link,
                                        std::shared_ptr<net::steady_timer> timer) {
    auto ping_pending = std::make_shared<bool>(false);
    for (;;) {
      timer->expires_after(self->timings.ping_interval);
      const auto [cancelled] = co_await timer->async_wait(kNoThrow);
      if (cancelled || !self->links.contains(id)) co_return;
      if (Steady::now() - link->last_heard() > self->timings.silence_timeout) {
        spdlog::warn("slack: no frame and no pong for {} ms; reconnecting", self->timings.silence_timeout.count());
        self->apply({SessionEventType::silence, id});
        co_return;
      }
      if (!*ping_pending) {
        *ping_pending = true;
        self->spawn(ping(link, ping_pending), "ping");
      }
    }
  }

  static net::awaitable<void> ping(std::shared_ptr<WebSocketLink> link, std::shared_ptr<bool> pending) {
    co_await link->ping();
    *pending = false;
  }

  net::awaitable<void> on_message(LinkId id, WebSocketLink& link, const LinkMessage& message) {
    const auto received = Steady::now();
    if (message.oversized) {
      spdlog::debug("slack: dropped a frame over {} bytes", timings.max_frame_bytes);
      co_return;
    }
    if (!message.text) {
      spdlog::debug("slack: dropped a binary frame ({} bytes)", message.data.size());
      co_return;
    }
    auto frame = parse_frame(message.data);
    if (auto* hello = std::get_if<Hello>(&frame)) {
      spdlog::debug("slack: hello ({} connections, refresh in ~{} s)", hello->num_connections,
                    hello->approximate_connection_time.count());
      apply({SessionEventType::hello, id});
    } else if (auto* disconnect = std::get_if<Disconnect>(&frame)) {
      spdlog::info("slack: Slack asks to disconnect: {}", to_string(disconnect->reason));
      SessionEvent event{SessionEventType::disconnect, id};
      event.reason = disconnect->reason;
      apply(event);
    } else if (auto* dropped = std::get_if<Dropped>(&frame)) {
      spdlog::debug("slack: dropped a frame: {}", dropped->reason);
      if (!dropped->envelope_id.empty() && dispatches(apply({SessionEventType::envelope, id}))) {
        co_await acknowledge(link, dropped->envelope_id, nullptr, received);
      }
    } else if (auto* envelope = std::get_if<Envelope>(&frame)) {
      if (dispatches(apply({SessionEventType::envelope, id}))) co_await on_envelope(link, *envelope, received);
    }
  }

  static bool dispatches(const std::vector<SessionAction>& actions) {
    return std::any_of(actions.begin(), actions.end(),
                       [](const SessionAction& action) { return action.type == SessionActionType::dispatch; });
  }

  net::awaitable<void> acknowledge(WebSocketLink& link, const std::string& envelope_id, const nlohmann::json* payload,
                                   Steady::time_point received) {
    const auto error = co_await link.write_text(make_ack(envelope_id, payload));
    if (error) {
      spdlog::debug("slack: ack not written: {}", error.message());
      co_return;
    }
    metrics.increment("katabot_acks_total");
    record_ack(Steady::now() - received);
  }

  void record_ack(std::chrono::nanoseconds took) {
    if (ack_samples.size() < kAckSamples) {
      ack_samples.push_back(took);
    } else {
      ack_samples[next_ack_sample] = took;
    }
    next_ack_sample = (next_ack_sample + 1) % kAckSamples;
    // /metrics shows the recent median and p99; refreshed now and then, after the ack is out.
    if (++acks_since_summary >= kAcksPerSummary || ack_samples.size() == 1) {
      acks_since_summary = 0;
      const auto latency = summarize_acks(ack_samples);
      metrics.set_gauge("katabot_slack_ack_latency_seconds", {{"quantile", "0.5"}},
                        std::chrono::duration<double>(latency.p50).count());
      metrics.set_gauge("katabot_slack_ack_latency_seconds", {{"quantile", "0.99"}},
                        std::chrono::duration<double>(latency.p99).count());
    }
  }

  // --- envelopes -------------------------------------------------------------------------
  net::awaitable<void> on_envelope(WebSocketLink& link, const Envelope& envelope, Steady::time_point received) {
    switch (envelope.type) {
      case EnvelopeType::slash_commands: co_await on_slash_command(link, envelope, received); co_return;
      case EnvelopeType::events_api:
        co_await acknowledge(link, envelope.envelope_id, nullptr, received);
        on_event(envelope);
        co_return;
      case EnvelopeType::interactive:
        co_await acknowledge(link, envelope.envelope_id, nullptr, received);
        spdlog::debug("slack: ignoring an interactive payload");
        co_return;
    }
  }

  net::awaitable<void> on_slash_command(WebSocketLink& link, const Envelope& envelope, Steady::time_point received) {
    const auto command = parse_slash_command(envelope.payload);
    if (!command || !dedupe.first_delivery({"envelope:" + envelope.envelope_id})) {
      if (command) metrics.increment("katabot_slack_retries_dropped_total");
      co_await acknowledge(link, envelope.envelope_id, nullptr, received);
      co_return;
    }
    Inbound inbound;
    inbound.platform = Platform::slack;
    inbound.kind = InboundKind::slash_command;
    inbound.channel = command->channel_id;
    inbound.user_id = command->user_id;
    inbound.user_name = command->user_name;
    inbound.text = decode_entities(command->text);
    const auto timezone = timezones.find(command->user_id);
    if (timezone != timezones.end() && envelope.accepts_response_payload) {
      // The answer fits in the ack: the router is in-memory and takes microseconds.
      inbound.user_timezone = timezone->second;
      const auto reply = handler(inbound);
      if (!reply) {
        co_await acknowledge(link, envelope.envelope_id, nullptr, received);
        co_return;
      }
      const auto payload = slash_reply_payload(*reply);
      co_await acknowledge(link, envelope.envelope_id, &payload, received);
      metrics.increment("katabot_messages_out_total", kSlack);
      co_return;
    }
    // The asker's time zone is not known yet: ack now, look it up, answer through response_url.
    co_await acknowledge(link, envelope.envelope_id, nullptr, received);
    spawn(answer_later(shared_from_this(), std::move(inbound), command->response_url), "slash command");
  }

  static nlohmann::json slash_reply_payload(const Reply& reply) {
    auto payload = render_slack_message(reply);
    payload["response_type"] = reply.visibility == Visibility::in_channel ? "in_channel" : "ephemeral";
    return payload;
  }

  static net::awaitable<void> answer_later(Self self, Inbound inbound, std::string response_url) {
    inbound.user_timezone = co_await self->user_timezone(inbound.user_id);
    const auto reply = self->handler(inbound);
    if (!reply) co_return;
    auto payload = slash_reply_payload(*reply);
    if (!response_url.empty() && (co_await self->api.post_to_url(response_url, payload)).ok) {
      self->metrics.increment("katabot_messages_out_total", kSlack);
      co_return;
    }
    payload["channel"] = inbound.channel;
    payload["user"] = inbound.user_id;
    payload.erase("response_type");
    if ((co_await self->api.call("chat.postEphemeral", self->config.bot_token, payload)).ok) {
      self->metrics.increment("katabot_messages_out_total", kSlack);
    }
  }

  void on_event(const Envelope& envelope) {
    const auto event = parse_chat_event(envelope.payload);
    if (!event) {
      spdlog::debug("slack: dropped an event without the fields of a message");
      return;
    }
    if (!event->bot_id.empty() || !content_subtype(event->subtype) || event->user.empty() ||
        event->user == bot_user_id) {
      return;  // our own messages, other bots, edits, joins
    }
    Inbound inbound;
    inbound.platform = Platform::slack;
    inbound.channel = event->channel;
    inbound.user_id = event->user;
    const auto own_id = bot_user_id.empty() ? leading_mention_id(event->text) : bot_user_id;
    if (event->type == "app_mention") {
      inbound.kind = InboundKind::mention;
      inbound.text = decode_entities(remove_mention(event->text, own_id));
    } else if (event->type == "message" && event->channel_type == "im") {
      inbound.kind = InboundKind::direct_message;
      inbound.text = decode_entities(remove_mention(event->text, own_id));
    } else if (event->type == "message") {
      // A channel message that mentions us also comes as app_mention: answer that one only.
      if (!bot_user_id.empty() && event->text.find("<@" + bot_user_id) != std::string::npos) return;
      inbound.kind = InboundKind::channel_line;
      inbound.text = decode_entities(event->text);
    } else {
      return;
    }
    if (!dedupe.first_delivery({"event:" + event->event_id, "message:" + event->channel + "/" + event->ts,
                                "envelope:" + envelope.envelope_id})) {
      metrics.increment("katabot_slack_retries_dropped_total");
      spdlog::debug("slack: already answered event {} (retry {})", event->event_id, envelope.retry_attempt);
      return;
    }
    spawn(answer_event(shared_from_this(), std::move(inbound), event->reply_thread()), "event");
  }

  static net::awaitable<void> answer_event(Self self, Inbound inbound, std::string thread_ts) {
    inbound.user_timezone = co_await self->user_timezone(inbound.user_id);
    const auto reply = self->handler(inbound);
    if (!reply) co_return;
    auto message = render_slack_message(*reply);
    message["channel"] = inbound.channel;
    message["thread_ts"] = thread_ts;
    if ((co_await self->api.post_message(self->config.bot_token, std::move(message))).ok) {
      self->metrics.increment("katabot_messages_out_total", kSlack);
    }
  }

  // --- users.info, cached; never longer than user_lookup_timeout ------------------------------
  net::awaitable<std::string> user_timezone(std::string user) {
    if (const auto found = timezones.find(user); found != timezones.end()) co_return found->second;
    auto done = std::make_shared<net::steady_timer>(executor);
    done->expires_after(timings.user_lookup_timeout);
    spawn(look_up_user(shared_from_this(), user, done), "users.info", Holds::nothing);
    co_await done->async_wait(kNoThrow);
    const auto found = timezones.find(user);
    co_return found == timezones.end() ? std::string() : found->second;
  }

  static net::awaitable<void> look_up_user(Self self, std::string user, std::shared_ptr<net::steady_timer> done) {
    nlohmann::json fields = nlohmann::json::object();
    fields["user"] = user;
    const auto result =
        co_await self->api.call("users.info", self->config.bot_token, std::move(fields), Retries::on, Encoding::form);
    if (result.ok || (result.http_status == 200 && !result.error.empty())) {
      // A definite answer (even "no such user", a missing scope or "tz": null) is remembered as the
      // zone or "" for unknown; a network failure is not.
      if (self->timezones.size() >= kMaxCachedTimezones) self->timezones.clear();
      const auto* profile = object_field(result.body, "user");
      self->timezones[user] = result.ok && profile != nullptr ? string_field(*profile, "tz") : std::string();
    }
    done->cancel();
  }

  // --- lifecycle --------------------------------------------------------------------------
  static net::awaitable<void> run(Self self) {
    if (self->running) co_return;
    self->running = true;
    if (self->config.app_token.empty() || self->config.bot_token.empty()) {
      spdlog::error("slack: app_token and bot_token are required");
      co_return;
    }
    if (self->stopping) co_return;
    self->spawn(identify(self), "auth.test", Holds::nothing);
    self->apply({SessionEventType::start});
    while (self->session.state() != SessionState::stopped || self->tasks > 0) {
      self->wake.expires_at(Steady::time_point::max());
      co_await self->wake.async_wait(kNoThrow);
    }
    self->api.close_idle();
    spdlog::info("slack: stopped");
  }

  void stop() {
    if (stopping) return;
    stopping = true;
    backoff_timer.cancel();
    apply({SessionEventType::stop});
    wake.cancel();
  }
};

SlackAdapter::SlackAdapter(net::any_io_executor executor, SlackConfig config, InboundHandler handler, Metrics& metrics,
                           const Clock& clock, SlackTimings timings)
    : state_(std::make_shared<SlackAdapterState>(std::move(executor), std::move(config), std::move(handler), metrics,
                                                 clock, timings)) {}

SlackAdapter::~SlackAdapter() = default;

bool SlackAdapter::ready() const { return state_->session.ready() && !state_->stopping; }

net::awaitable<void> SlackAdapter::run() { return SlackAdapterState::run(state_); }

void SlackAdapter::stop() { state_->stop(); }

net::awaitable<PostOutcome> SlackAdapter::post(std::string channel, Reply reply) {
  auto state = state_;
  auto message = render_slack_message(reply);
  message["channel"] = channel;
  const auto result = co_await state->api.post_message(state->config.bot_token, std::move(message));
  if (result.ok) state->metrics.increment("katabot_messages_out_total", kSlack);
  co_return result.ok ? PostOutcome::delivered() : PostOutcome::failed(result.error);
}

AckLatency SlackAdapter::ack_latency() const { return summarize_acks(state_->ack_samples); }

std::string SlackAdapter::bot_user_id() const { return state_->bot_user_id; }

}  // namespace katabot
