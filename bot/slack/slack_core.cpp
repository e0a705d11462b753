#include "bot/slack/slack_core.hpp"

#include <algorithm>
#include <iterator>
#include <variant>

#include <spdlog/spdlog.h>

#include "bot/render.hpp"
#include "bot/slack/envelope.hpp"

namespace katabot::slack {

namespace {

const Labels slack_labels = {{"platform", "slack"}};
constexpr std::size_t ack_samples = 1024;
constexpr std::size_t acks_per_summary = 64;
// Socket Mode switched off in the app settings: nothing works until someone turns it back on.
constexpr std::chrono::milliseconds link_disabled_retry = std::chrono::minutes(5);
constexpr std::size_t max_cached_timezones = 5000;
// Answers held while users.info runs; past this a flood of new askers is answered without a zone.
constexpr std::size_t max_waiting_answers = 256;
// Events whose claim across replicas is in flight (each at most coordination.request_timeout);
// past this a flood is answered without the claim, as when etcd does not answer.
constexpr std::size_t max_pending_claims = 256;

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

nlohmann::json slash_reply_payload(const Reply& reply) {
  auto payload = render_slack_message(reply);
  payload["response_type"] = reply.visibility == Visibility::in_channel ? "in_channel" : "ephemeral";
  return payload;
}

bool dispatches(const std::vector<SessionAction>& actions) {
  return std::any_of(actions.begin(), actions.end(),
                     [](const SessionAction& action) { return action.type == SessionActionType::dispatch; });
}

}  // namespace

std::string_view to_string(CoreActionType type) {
  switch (type) {
    case CoreActionType::request_url: return "request_url";
    case CoreActionType::connect: return "connect";
    case CoreActionType::close: return "close";
    case CoreActionType::abort: return "abort";
    case CoreActionType::wait: return "wait";
    case CoreActionType::write: return "write";
    case CoreActionType::ping: return "ping";
    case CoreActionType::identify: return "identify";
    case CoreActionType::look_up_user: return "look_up_user";
    case CoreActionType::answer: return "answer";
    case CoreActionType::claim_event: return "claim_event";
  }
  return "?";
}

SlackCore::SlackCore(InboundHandler handler, Metrics& metrics, const Clock& clock, CoreTimings timings,
                     std::uint64_t seed)
    : handler_(std::move(handler)),
      metrics_(metrics),
      clock_(clock),
      timings_(timings),
      session_(SessionTimings{timings.first_retry, timings.max_retry, std::max(timings.max_retry, link_disabled_retry)},
               seed),
      dedupe_(clock) {}

SlackCore::Actions SlackCore::session(const SessionEvent& event) {
  const auto before = session_.state();
  const auto steps = session_.handle(event);
  if (session_.state() != before) {
    spdlog::debug("slack: {} on link {}: {} -> {}", to_string(event.type), event.link, to_string(before),
                  to_string(session_.state()));
  }
  Actions actions;
  for (const auto& step : steps) {
    switch (step.type) {
      case SessionActionType::request_url: actions.push_back({CoreActionType::request_url, step.link}); break;
      case SessionActionType::connect: actions.push_back({CoreActionType::connect, step.link, step.url}); break;
      case SessionActionType::close: actions.push_back({CoreActionType::close, step.link}); break;
      case SessionActionType::abort: actions.push_back({CoreActionType::abort, step.link}); break;
      case SessionActionType::wait:
        spdlog::info("slack: reconnecting in {} ms", step.delay.count());
        actions.push_back({CoreActionType::wait, 0, {}, step.delay});
        break;
      case SessionActionType::dispatch: break;  // frame() acts on it
      case SessionActionType::connected:
        opened_at_.erase(step.link);
        metrics_.set_gauge("katabot_last_connected_timestamp_seconds", slack_labels,
                           std::chrono::duration<double>(clock_.now().time_since_epoch()).count());
        if (ever_connected_) metrics_.increment("katabot_reconnects_total", slack_labels);
        ever_connected_ = true;
        spdlog::info("slack: connected (Socket Mode)");
        if (bot_user_id_.empty() && !identifying_) {
          identifying_ = true;
          actions.push_back({CoreActionType::identify});
        }
        break;
    }
  }
  return actions;
}

SlackCore::Actions SlackCore::start() {
  if (session_.state() != SessionState::idle || stopping_) return {};
  // Who we are is asked at once: an event that mentions us may come before the first hello.
  identifying_ = true;
  auto actions = session({SessionEventType::start});
  actions.insert(actions.begin(), CoreAction{CoreActionType::identify});
  return actions;
}

SlackCore::Actions SlackCore::stop() {
  if (stopping_) return {};
  stopping_ = true;
  auto actions = session({SessionEventType::stop});
  // Stopping drops the users.info lookups: what waited for them is answered now, without a zone.
  std::vector<std::string> users;
  for (const auto& [user, answers] : waiting_) users.push_back(user);
  for (const auto& user : users) {
    auto answers = user_looked_up(user, std::nullopt);
    std::move(answers.begin(), answers.end(), std::back_inserter(actions));
  }
  return actions;
}

SlackCore::Actions SlackCore::url_ready(LinkId link, std::string url) {
  SessionEvent event{SessionEventType::url_ready, link};
  event.url = std::move(url);
  return session(event);
}

SlackCore::Actions SlackCore::url_failed(LinkId link, std::optional<std::chrono::milliseconds> retry_after) {
  SessionEvent event{SessionEventType::url_failed, link};
  event.retry_after = retry_after;
  return session(event);
}

SlackCore::Actions SlackCore::socket_open(LinkId link, SteadyTime now) {
  opened_at_[link] = now;
  return session({SessionEventType::socket_open, link});
}

SlackCore::Actions SlackCore::link_lost(LinkId link) {
  opened_at_.erase(link);
  return session({SessionEventType::link_lost, link});
}

SlackCore::Actions SlackCore::backoff_elapsed() { return session({SessionEventType::backoff_elapsed}); }

SlackCore::Actions SlackCore::tick(LinkId link, SteadyTime last_heard, SteadyTime now) {
  if (link != session_.primary() && link != session_.replacement()) return {};
  if (now - last_heard > timings_.silence_timeout) {
    spdlog::warn("slack: no frame and no pong for {} ms; reconnecting", timings_.silence_timeout.count());
    opened_at_.erase(link);
    return session({SessionEventType::silence, link});
  }
  if (const auto opened = opened_at_.find(link); opened != opened_at_.end() &&
                                                 now - opened->second > timings_.hello_timeout) {
    // Pongs alone keep a link "heard": a server that never says hello would hold us forever.
    spdlog::warn("slack: no hello within {} ms; reconnecting", timings_.hello_timeout.count());
    opened_at_.erase(opened);
    return session({SessionEventType::silence, link});
  }
  return {CoreAction{CoreActionType::ping, link}};
}

SlackCore::Actions SlackCore::frame(LinkId link, const FrameRead& read, SteadyTime received) {
  Actions actions;
  if (read.oversized) {
    spdlog::debug("slack: dropped an oversized frame");
    return actions;
  }
  if (!read.text) {
    spdlog::debug("slack: dropped a binary frame ({} bytes)", read.data.size());
    return actions;
  }
  const auto parsed = parse_frame(read.data);
  if (const auto* hello = std::get_if<Hello>(&parsed)) {
    spdlog::debug("slack: hello ({} connections, refresh in ~{} s)", hello->num_connections,
                  hello->approximate_connection_time.count());
    return session({SessionEventType::hello, link});
  }
  if (const auto* disconnect = std::get_if<Disconnect>(&parsed)) {
    spdlog::info("slack: Slack asks to disconnect: {}", to_string(disconnect->reason));
    SessionEvent event{SessionEventType::disconnect, link};
    event.reason = disconnect->reason;
    return session(event);
  }
  if (const auto* dropped = std::get_if<Dropped>(&parsed)) {
    spdlog::debug("slack: dropped a frame: {}", dropped->reason);
    if (!dropped->envelope_id.empty() && dispatches(session_.handle({SessionEventType::envelope, link}))) {
      write_ack(link, dropped->envelope_id, nullptr, received, actions);
    }
    return actions;
  }
  const auto& envelope = std::get<Envelope>(parsed);
  if (dispatches(session_.handle({SessionEventType::envelope, link}))) on_envelope(link, envelope, received, actions);
  return actions;
}

void SlackCore::write_ack(LinkId link, std::string_view envelope_id, const nlohmann::json* payload,
                          SteadyTime received, Actions& actions) {
  CoreAction ack{CoreActionType::write, link, make_ack(envelope_id, payload)};
  ack.received = received;
  actions.push_back(std::move(ack));
}

void SlackCore::on_envelope(LinkId link, const Envelope& envelope, SteadyTime received, Actions& actions) {
  switch (envelope.type) {
    case EnvelopeType::slash_commands: on_slash_command(link, envelope, received, actions); return;
    case EnvelopeType::events_api:
      write_ack(link, envelope.envelope_id, nullptr, received, actions);
      on_event(envelope, actions);
      return;
    case EnvelopeType::interactive:
      write_ack(link, envelope.envelope_id, nullptr, received, actions);
      spdlog::debug("slack: ignoring an interactive payload");
      return;
  }
}

void SlackCore::on_slash_command(LinkId link, const Envelope& envelope, SteadyTime received, Actions& actions) {
  const auto command = parse_slash_command(envelope.payload());
  if (!command || !dedupe_.first_delivery({"envelope:" + envelope.envelope_id})) {
    if (command) count_duplicate("local");
    write_ack(link, envelope.envelope_id, nullptr, received, actions);
    return;
  }
  Inbound inbound;
  inbound.platform = Platform::slack;
  inbound.kind = InboundKind::slash_command;
  inbound.channel = command->channel_id;
  inbound.user_id = command->user_id;
  inbound.user_name = command->user_name;
  inbound.text = decode_entities(command->text);
  const auto timezone = timezones_.find(command->user_id);
  if (timezone != timezones_.end() && envelope.accepts_response_payload) {
    // The answer fits in the ack: the router is in-memory and takes microseconds.
    inbound.user_timezone = timezone->second;
    const auto reply = reply_to(inbound);
    if (!reply) {
      write_ack(link, envelope.envelope_id, nullptr, received, actions);
      return;
    }
    const auto payload = slash_reply_payload(*reply);
    write_ack(link, envelope.envelope_id, &payload, received, actions);
    metrics_.increment("katabot_messages_out_total", slack_labels);
    return;
  }
  // The asker's time zone is not known yet: ack now, look it up, answer through response_url
  // (or ephemerally when that fails).
  write_ack(link, envelope.envelope_id, nullptr, received, actions);
  AnswerPost route;
  route.response_url = command->response_url;
  route.method = "chat.postEphemeral";
  answer_with_timezone(std::move(inbound), std::move(route), actions);
}

void SlackCore::on_event(const Envelope& envelope, Actions& actions) {
  const auto event = parse_chat_event(envelope.payload());
  if (!event) {
    spdlog::debug("slack: dropped an event without the fields of a message");
    return;
  }
  if (!event->bot_id.empty() || !content_subtype(event->subtype) || event->user.empty() ||
      event->user == bot_user_id_) {
    return;  // our own messages, other bots, edits, joins
  }
  Inbound inbound;
  inbound.platform = Platform::slack;
  inbound.channel = event->channel;
  inbound.user_id = event->user;
  const auto own_id = bot_user_id_.empty() ? leading_mention_id(event->text) : bot_user_id_;
  if (event->type == "app_mention") {
    inbound.kind = InboundKind::mention;
    inbound.text = decode_entities(remove_mention(event->text, own_id));
  } else if (event->type == "message" && event->channel_type == "im") {
    inbound.kind = InboundKind::direct_message;
    inbound.text = decode_entities(remove_mention(event->text, own_id));
  } else if (event->type == "message") {
    // A channel message that mentions us also comes as app_mention: answer that one only.
    if (!bot_user_id_.empty() && event->text.find("<@" + bot_user_id_) != std::string::npos) return;
    inbound.kind = InboundKind::channel_line;
    inbound.text = decode_entities(event->text);
  } else {
    return;
  }
  if (!dedupe_.first_delivery({"event:" + event->event_id, "message:" + event->channel + "/" + event->ts,
                               "envelope:" + envelope.envelope_id})) {
    count_duplicate("local");
    spdlog::debug("slack: already answered event {} (retry {})", event->event_id, envelope.retry_attempt);
    return;
  }
  AnswerPost route;
  route.method = "chat.postMessage";
  route.message["thread_ts"] = event->reply_thread();
  route.key = "answer:" + event->channel + "/" + event->ts;
  if (shared_dedupe_ && coordination::is_event_id(event->event_id)) {
    if (claiming_.size() < max_pending_claims) {
      claiming_.emplace(event->event_id, Waiting{std::move(inbound), std::move(route)});
      actions.push_back({CoreActionType::claim_event, 0, event->event_id});
      return;
    }
    metrics_.increment("katabot_slack_event_claims_failed_open_total");
  }
  answer_with_timezone(std::move(inbound), std::move(route), actions);
}

SlackCore::Actions SlackCore::event_claimed(const std::string& event_id, coordination::EventClaim claim) {
  Actions actions;
  const auto found = claiming_.find(event_id);
  if (found == claiming_.end()) return actions;
  auto waiting = std::move(found->second);
  claiming_.erase(found);
  switch (claim) {
    case coordination::EventClaim::duplicate:
      count_duplicate("shared");
      spdlog::debug("slack: event {} was answered by another replica", event_id);
      return actions;
    case coordination::EventClaim::unavailable:
      metrics_.increment("katabot_slack_event_claims_failed_open_total");
      break;
    case coordination::EventClaim::claimed: break;
  }
  answer_with_timezone(std::move(waiting.inbound), std::move(waiting.route), actions);
  return actions;
}

void SlackCore::count_duplicate(const char* scope) {
  metrics_.increment("katabot_slack_retries_dropped_total");
  metrics_.increment("katabot_slack_events_deduplicated_total", {{"scope", scope}});
}

void SlackCore::answer_with_timezone(Inbound inbound, AnswerPost route, Actions& actions) {
  if (const auto found = timezones_.find(inbound.user_id); found != timezones_.end()) {
    inbound.user_timezone = found->second;
    answer(inbound, std::move(route), actions);
    return;
  }
  if (waiting_answers() >= max_waiting_answers) {
    answer(inbound, std::move(route), actions);
    return;
  }
  auto& waiting = waiting_[inbound.user_id];
  if (waiting.empty()) actions.push_back({CoreActionType::look_up_user, 0, inbound.user_id});
  waiting.push_back({std::move(inbound), std::move(route)});
}

SlackCore::Actions SlackCore::user_looked_up(const std::string& user, std::optional<std::string> timezone) {
  if (timezone) {
    if (timezones_.size() >= max_cached_timezones) timezones_.clear();
    timezones_[user] = *timezone;
  }
  Actions actions;
  const auto found = waiting_.find(user);
  if (found == waiting_.end()) return actions;
  auto waiting = std::move(found->second);
  waiting_.erase(found);
  for (auto& each : waiting) {
    each.inbound.user_timezone = timezone.value_or(std::string());
    answer(each.inbound, std::move(each.route), actions);
  }
  return actions;
}

void SlackCore::answer(const Inbound& inbound, AnswerPost route, Actions& actions) {
  const auto reply = reply_to(inbound);
  if (!reply) return;
  if (!route.response_url.empty()) route.response_payload = slash_reply_payload(*reply);
  auto message = render_slack_message(*reply);
  message["channel"] = inbound.channel;
  if (route.method == "chat.postEphemeral") message["user"] = inbound.user_id;
  if (route.message.contains("thread_ts")) message["thread_ts"] = route.message["thread_ts"];
  route.message = std::move(message);
  CoreAction action{CoreActionType::answer};
  action.answer = std::move(route);
  actions.push_back(std::move(action));
}

std::optional<Reply> SlackCore::reply_to(const Inbound& inbound) {
  try {
    return handler_(inbound);
  } catch (const std::exception& error) {
    spdlog::error("slack: answering {} failed: {}", inbound.user_id, error.what());
  } catch (...) {
    spdlog::error("slack: answering {} failed", inbound.user_id);
  }
  return std::nullopt;
}

void SlackCore::identified(std::string user_id) {
  identifying_ = false;
  if (!user_id.empty()) bot_user_id_ = std::move(user_id);
}

void SlackCore::ack_written(SteadyTime received, SteadyTime now) {
  metrics_.increment("katabot_acks_total");
  const auto took = std::chrono::duration_cast<std::chrono::nanoseconds>(now - received);
  if (ack_samples_.size() < ack_samples) {
    ack_samples_.push_back(took);
  } else {
    ack_samples_[next_ack_sample_] = took;
  }
  next_ack_sample_ = (next_ack_sample_ + 1) % ack_samples;
  // /metrics shows the recent median and p99; refreshed now and then, after the ack is out.
  if (++acks_since_summary_ >= acks_per_summary || ack_samples_.size() == 1) {
    acks_since_summary_ = 0;
    const auto latency = ack_latency();
    metrics_.set_gauge("katabot_slack_ack_latency_seconds", {{"quantile", "0.5"}},
                       std::chrono::duration<double>(latency.p50).count());
    metrics_.set_gauge("katabot_slack_ack_latency_seconds", {{"quantile", "0.99"}},
                       std::chrono::duration<double>(latency.p99).count());
  }
}

AckLatency SlackCore::ack_latency() const {
  AckLatency latency;
  auto samples = ack_samples_;
  latency.samples = samples.size();
  if (samples.empty()) return latency;
  std::sort(samples.begin(), samples.end());
  latency.p50 = samples[samples.size() / 2];
  latency.p99 = samples[std::min(samples.size() - 1, samples.size() * 99 / 100)];
  latency.max = samples.back();
  return latency;
}

std::size_t SlackCore::waiting_answers() const {
  std::size_t count = 0;
  for (const auto& [user, answers] : waiting_) count += answers.size();
  return count;
}

}  // namespace katabot::slack
