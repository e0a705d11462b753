// The Slack core without I/O, stepped like irc::Session: frames, API results and watchdog ticks go
// in with a fake time, actions come out. One scenario per failure path the driver handles.
#include <catch2/catch.hpp>

#include <stdexcept>

#include "bot/slack/slack_core.hpp"

using namespace katabot;
using namespace katabot::slack;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const Labels slack_labels = {{"platform", "slack"}};

json slash(const std::string& envelope_id, const std::string& text, const std::string& user = "U7") {
  return {{"envelope_id", envelope_id},
          {"type", "slash_commands"},
          {"accepts_response_payload", true},
          {"payload",
           {{"channel_id", "C1"}, {"user_id", user}, {"user_name", "ann"}, {"command", "/kata"}, {"text", text},
            {"response_url", "https://hooks.slack.com/commands/1"}}}};
}

json event(const std::string& envelope_id, const std::string& event_id, json body) {
  return {{"envelope_id", envelope_id},
          {"type", "events_api"},
          {"payload", {{"type", "event_callback"}, {"event_id", event_id}, {"event", std::move(body)}}}};
}

json mention(const std::string& text, const std::string& ts, const std::string& user = "U2") {
  return {{"type", "app_mention"}, {"channel", "C1"}, {"user", user}, {"text", text}, {"ts", ts}};
}

std::string disconnect(const std::string& reason) {
  return json{{"type", "disconnect"}, {"reason", reason}}.dump();
}

const std::string hello_frame = R"({"type":"hello","num_connections":1})";

struct Stepper {
  ManualClock wall{std::chrono::system_clock::time_point{} + 1000h};
  Metrics metrics;
  SteadyTime now = SteadyTime{} + 1h;
  std::vector<Inbound> asked;
  bool throw_on_next = false;
  CoreTimings timings{.first_retry = 1000ms, .max_retry = 60000ms, .silence_timeout = 20000ms, .hello_timeout = 10000ms};
  SlackCore core{[this](const Inbound& inbound) -> std::optional<Reply> {
                   asked.push_back(inbound);
                   if (throw_on_next) {
                     throw_on_next = false;
                     throw std::runtime_error("router broke");
                   }
                   if (inbound.kind == InboundKind::channel_line) return std::nullopt;
                   Reply reply;
                   reply.text = "answer to " + inbound.text + " in " + inbound.user_timezone;
                   return reply;
                 },
                 metrics, wall, timings};

  SlackCore::Actions frame(LinkId link, const std::string& text) { return core.frame(link, {text}, now); }
  SlackCore::Actions frame(LinkId link, const json& value) { return frame(link, value.dump()); }

  // start → URL → socket → hello on link 1.
  void connect() {
    const auto started = core.start();
    REQUIRE(types(started) == std::vector{CoreActionType::identify, CoreActionType::request_url});
    const auto link = started[1].link;
    REQUIRE(types(core.url_ready(link, "wss://wss.slack.test/link")) == std::vector{CoreActionType::connect});
    REQUIRE(core.socket_open(link, now).empty());
    REQUIRE_FALSE(core.ready());
    REQUIRE(frame(link, hello_frame).empty());  // identify is already on its way
    REQUIRE(core.ready());
    core.identified("UBOT");
  }

  static std::vector<CoreActionType> types(const SlackCore::Actions& actions) {
    std::vector<CoreActionType> out;
    for (const auto& action : actions) out.push_back(action.type);
    return out;
  }
  static const CoreAction* find(const SlackCore::Actions& actions, CoreActionType type) {
    for (const auto& action : actions) {
      if (action.type == type) return &action;
    }
    return nullptr;
  }
};

}  // namespace

TEST_CASE("slack core: start asks who we are and a URL, ready only after hello", "[slack][core]") {
  Stepper s;
  s.connect();
  CHECK(s.core.bot_user_id() == "UBOT");
  CHECK(s.metrics.value("katabot_last_connected_timestamp_seconds", slack_labels) > 0);
  CHECK(s.metrics.value("katabot_reconnects_total", slack_labels) == 0);
}

TEST_CASE("slack core: a slash command is acked at once, answered after users.info, then in the ack", "[slack][core]") {
  Stepper s;
  s.connect();
  auto actions = s.frame(1, slash("env-1", "meetings"));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write, CoreActionType::look_up_user});
  CHECK(json::parse(actions[0].text) == json{{"envelope_id", "env-1"}});
  CHECK(actions[0].received == s.now);
  CHECK(actions[1].text == "U7");
  CHECK(s.asked.empty());  // the answer waits for the zone

  actions = s.core.user_looked_up("U7", "Europe/Berlin");
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::answer});
  const auto& answer = *actions[0].answer;
  CHECK(answer.response_url == "https://hooks.slack.com/commands/1");
  CHECK(answer.response_payload["response_type"] == "ephemeral");
  CHECK(answer.method == "chat.postEphemeral");  // when the response_url fails
  CHECK(answer.message["channel"] == "C1");
  CHECK(answer.message["user"] == "U7");
  CHECK(s.asked.at(0).user_timezone == "Europe/Berlin");

  // The zone is known now: the answer rides in the ack, nothing else is posted.
  actions = s.frame(1, slash("env-2", "meetings"));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write});
  const auto ack = json::parse(actions[0].text);
  CHECK(ack["envelope_id"] == "env-2");
  CHECK(ack["payload"]["text"].get<std::string>().find("Europe/Berlin") != std::string::npos);
}

TEST_CASE("slack core: a handler that throws on the slash fast path costs the answer, not the link", "[slack][core]") {
  Stepper s;
  s.connect();
  s.frame(1, slash("env-1", "meetings"));
  s.core.user_looked_up("U7", "UTC");
  s.throw_on_next = true;
  auto actions = s.frame(1, slash("env-2", "meetings"));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write});
  CHECK(json::parse(actions[0].text) == json{{"envelope_id", "env-2"}});  // acked, no payload
  CHECK(s.core.ready());
  // The link carries on: the next command is answered in its ack.
  actions = s.frame(1, slash("env-3", "meetings"));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write});
  CHECK(json::parse(actions[0].text).contains("payload"));
  // And on the users.info path too.
  s.throw_on_next = true;
  s.frame(1, event("env-4", "Ev4", mention("<@UBOT> conduct", "1.4", "U9")));
  CHECK(s.core.user_looked_up("U9", "").empty());
  CHECK(s.core.ready());
}

TEST_CASE("slack core: a mention is answered in its thread once, however often Slack retries it", "[slack][core]") {
  Stepper s;
  s.connect();
  auto actions = s.frame(1, event("env-1", "Ev1", mention("<@UBOT> conduct", "1700.1")));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write, CoreActionType::look_up_user});
  actions = s.core.user_looked_up("U2", "");
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::answer});
  CHECK(actions[0].answer->method == "chat.postMessage");
  CHECK(actions[0].answer->response_url.empty());
  CHECK(actions[0].answer->message["thread_ts"] == "1700.1");
  CHECK(s.asked.at(0).text == "conduct");
  CHECK(s.asked.at(0).kind == InboundKind::mention);

  // The retry (new envelope) and a server-side duplicate (new event id) are acked, not answered.
  CHECK(Stepper::types(s.frame(1, event("env-2", "Ev1", mention("<@UBOT> conduct", "1700.1")))) ==
        std::vector{CoreActionType::write});
  CHECK(Stepper::types(s.frame(1, event("env-3", "Ev9", mention("<@UBOT> conduct", "1700.1")))) ==
        std::vector{CoreActionType::write});
  CHECK(s.metrics.value("katabot_slack_retries_dropped_total") == 2);
  CHECK(s.asked.size() == 1);
}

TEST_CASE("slack core: own messages, other bots and edits are acked and ignored", "[slack][core]") {
  Stepper s;
  s.connect();
  auto own = mention("hello", "1.1", "UBOT");
  auto bot = mention("<@UBOT> conduct", "1.2");
  bot["bot_id"] = "B1";
  json edit = {{"type", "message"}, {"subtype", "message_changed"}, {"channel", "C1"}, {"user", "U2"},
               {"text", "x"}, {"ts", "1.3"}};
  for (const auto& body : {own, bot, edit}) {
    CHECK(Stepper::types(s.frame(1, event("env-" + body["ts"].get<std::string>(), "Ev" + body["ts"].get<std::string>(),
                                          body))) == std::vector{CoreActionType::write});
  }
  CHECK(s.asked.empty());
}

TEST_CASE("slack core: garbage frames are dropped, one with an envelope_id is still acked", "[slack][core]") {
  Stepper s;
  s.connect();
  CHECK(s.frame(1, std::string("not json")).empty());
  CHECK(s.core.frame(1, {"\x01\x02", false}, s.now).empty());
  CHECK(s.core.frame(1, {"", true, true}, s.now).empty());
  const auto actions = s.frame(1, json{{"envelope_id", "env-odd"}, {"type", "nonsense"}});
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write});
  CHECK(json::parse(actions[0].text) == json{{"envelope_id", "env-odd"}});
  CHECK(s.core.ready());
}

TEST_CASE("slack core: refresh_requested opens the replacement and closes the old link after its hello",
          "[slack][core]") {
  Stepper s;
  s.connect();
  CHECK(s.frame(1, disconnect("warning")).at(0).type == CoreActionType::request_url);
  CHECK(s.frame(1, disconnect("refresh_requested")).empty());  // already on its way
  CHECK(s.core.ready());
  CHECK(s.core.url_ready(2, "wss://wss.slack.test/two").at(0).type == CoreActionType::connect);
  CHECK(s.core.socket_open(2, s.now).empty());
  const auto actions = s.frame(2, hello_frame);
  REQUIRE(actions.size() == 1);
  CHECK(actions[0].type == CoreActionType::close);
  CHECK(actions[0].link == 1);
  CHECK(s.metrics.value("katabot_reconnects_total", slack_labels) == 1);
  CHECK(s.core.link_lost(1).empty());
  CHECK(s.core.ready());
}

TEST_CASE("slack core: too_many_websockets and link_disabled close first, then back off", "[slack][core]") {
  Stepper s;
  s.connect();
  auto actions = s.frame(1, disconnect("too_many_websockets"));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::close, CoreActionType::wait});
  CHECK(actions[1].delay <= s.timings.first_retry);
  CHECK_FALSE(s.core.ready());
  CHECK(s.core.link_lost(1).empty());
  const auto reopened = s.core.backoff_elapsed();
  REQUIRE(Stepper::types(reopened) == std::vector{CoreActionType::request_url});

  const auto link = reopened[0].link;
  s.core.url_ready(link, "wss://x/2");
  s.core.socket_open(link, s.now);
  s.frame(link, hello_frame);
  actions = s.frame(link, disconnect("link_disabled"));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::close, CoreActionType::wait});
  CHECK(actions[1].delay >= 5min);  // nothing works until someone turns Socket Mode back on
}

TEST_CASE("slack core: a silent link is aborted, a live one is pinged", "[slack][core]") {
  Stepper s;
  s.connect();
  const auto heard = s.now;
  s.now += 5s;
  CHECK(Stepper::types(s.core.tick(1, heard, s.now)) == std::vector{CoreActionType::ping});
  s.now += 16s;
  const auto actions = s.core.tick(1, heard, s.now);
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::abort, CoreActionType::wait});
  CHECK(actions[0].link == 1);
  CHECK_FALSE(s.core.ready());
  CHECK(s.core.tick(1, heard, s.now).empty());  // a retired link is not watched
}

TEST_CASE("slack core: a socket that answers pings but never says hello is abandoned", "[slack][core]") {
  Stepper s;
  const auto link = s.core.start().at(1).link;
  s.core.url_ready(link, "wss://x/1");
  s.core.socket_open(link, s.now);
  s.now += 9s;
  CHECK(Stepper::types(s.core.tick(link, s.now, s.now)) == std::vector{CoreActionType::ping});
  s.now += 2s;
  CHECK(Stepper::types(s.core.tick(link, s.now, s.now)) == std::vector{CoreActionType::abort, CoreActionType::wait});
}

TEST_CASE("slack core: a refused or rate-limited apps.connections.open backs off, at least Retry-After",
          "[slack][core]") {
  Stepper s;
  const auto link = s.core.start().at(1).link;
  auto actions = s.core.url_failed(link, std::nullopt);  // invalid_auth, network, 5xx
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::wait});
  CHECK(actions[0].delay <= s.timings.first_retry);
  const auto again = s.core.backoff_elapsed().at(0).link;
  actions = s.core.url_failed(again, 30s);
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::wait});
  CHECK(actions[0].delay >= 30s);
}

TEST_CASE("slack core: a dropped socket reconnects after a short backoff", "[slack][core]") {
  Stepper s;
  s.connect();
  const auto actions = s.core.link_lost(1);
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::wait});
  CHECK(actions[0].delay <= s.timings.first_retry);
  CHECK(Stepper::types(s.core.backoff_elapsed()) == std::vector{CoreActionType::request_url});
}

TEST_CASE("slack core: stop closes the link, answers what waited for users.info, acks nothing new",
          "[slack][core]") {
  Stepper s;
  s.connect();
  s.frame(1, event("env-1", "Ev1", mention("<@UBOT> conduct", "1.1")));
  const auto actions = s.core.stop();
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::close, CoreActionType::answer});
  CHECK(s.asked.at(0).user_timezone.empty());
  CHECK_FALSE(s.core.ready());
  // While closing, an envelope stays unacknowledged: Slack redelivers it to a live connection.
  CHECK(s.frame(1, event("env-2", "Ev2", mention("<@UBOT> conduct", "1.2"))).empty());
  CHECK(s.core.link_lost(1).empty());
  CHECK(s.core.stopped());
  CHECK(s.core.stop().empty());
}

TEST_CASE("slack core: stop before the first hello ends at once", "[slack][core]") {
  Stepper s;
  s.core.start();
  CHECK(s.core.stop().empty());
  CHECK(s.core.stopped());
}

TEST_CASE("slack core: answers waiting for users.info and cached zones are bounded", "[slack][core]") {
  Stepper s;
  s.connect();
  std::size_t lookups = 0;
  std::size_t answered_at_once = 0;
  for (int i = 0; i < 300; ++i) {
    const auto id = std::to_string(i);
    const auto actions = s.frame(1, event("env-" + id, "Ev" + id, mention("<@UBOT> conduct", "2." + id, "U" + id)));
    if (Stepper::find(actions, CoreActionType::look_up_user)) ++lookups;
    if (Stepper::find(actions, CoreActionType::answer)) ++answered_at_once;
  }
  CHECK(s.core.waiting_answers() == 256);
  CHECK(lookups == 256);
  CHECK(answered_at_once == 44);  // past the bound: answered without a zone rather than held
  for (int i = 0; i < 6000; ++i) s.core.user_looked_up("V" + std::to_string(i), "UTC");
  CHECK(s.core.cached_timezones() <= 5000);
}

TEST_CASE("slack core: ack latency is the time from frame read to ack written", "[slack][core]") {
  Stepper s;
  for (int i = 1; i <= 100; ++i) s.core.ack_written(s.now, s.now + std::chrono::microseconds(i));
  const auto latency = s.core.ack_latency();
  CHECK(latency.samples == 100);
  CHECK(latency.p50 == 51us);
  CHECK(latency.p99 == 100us);
  CHECK(latency.max == 100us);
  CHECK(s.metrics.value("katabot_acks_total") == 100);
  CHECK(s.metrics.value("katabot_slack_ack_latency_seconds", {{"quantile", "0.5"}}) > 0);
}

namespace {

// One replica of several: events are claimed across replicas before they are answered.
struct Replica : Stepper {
  Replica() {
    core.share_event_dedupe();
    connect();
  }
};

}  // namespace

TEST_CASE("slack core: with replicas an event is claimed before the router sees it, a claim elsewhere drops it",
          "[slack][core][event_claims]") {
  Replica s;
  auto actions = s.frame(1, event("env-1", "Ev1", mention("<@UBOT> conduct", "1700.1")));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write, CoreActionType::claim_event});
  CHECK(actions[1].text == "Ev1");
  CHECK(s.asked.empty());
  CHECK(s.core.pending_claims() == 1);

  actions = s.core.event_claimed("Ev1", coordination::EventClaim::claimed);
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::look_up_user});
  REQUIRE(Stepper::types(s.core.user_looked_up("U2", "")) == std::vector{CoreActionType::answer});
  CHECK(s.asked.size() == 1);
  CHECK(s.core.pending_claims() == 0);

  // Another replica answered Ev2 first (Slack retried it to us).
  actions = s.frame(1, event("env-2", "Ev2", mention("<@UBOT> security", "1700.2")));
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::write, CoreActionType::claim_event});
  CHECK(s.core.event_claimed("Ev2", coordination::EventClaim::duplicate).empty());
  CHECK(s.asked.size() == 1);
  CHECK(s.metrics.value("katabot_slack_events_deduplicated_total", {{"scope", "shared"}}) == 1);
  CHECK(s.metrics.value("katabot_slack_retries_dropped_total") == 1);
  // A late or unknown answer does nothing.
  CHECK(s.core.event_claimed("Ev2", coordination::EventClaim::claimed).empty());
}

TEST_CASE("slack core: a retry this replica saw is dropped without asking etcd", "[slack][core][event_claims]") {
  Replica s;
  s.frame(1, event("env-1", "Ev1", mention("<@UBOT> conduct", "1700.1")));
  auto retry = event("env-2", "Ev1", mention("<@UBOT> conduct", "1700.1"));
  retry["retry_attempt"] = 1;
  CHECK(Stepper::types(s.frame(1, retry)) == std::vector{CoreActionType::write});
  CHECK(s.metrics.value("katabot_slack_events_deduplicated_total", {{"scope", "local"}}) == 1);
  CHECK(s.core.pending_claims() == 1);
}

TEST_CASE("slack core: etcd not answering means the event is answered anyway, and counted", "[slack][core][event_claims]") {
  Replica s;
  s.core.user_looked_up("U2", "UTC");
  s.frame(1, event("env-1", "Ev1", mention("<@UBOT> conduct", "1700.1")));
  const auto actions = s.core.event_claimed("Ev1", coordination::EventClaim::unavailable);
  REQUIRE(Stepper::types(actions) == std::vector{CoreActionType::answer});
  CHECK(s.metrics.value("katabot_slack_event_claims_failed_open_total") == 1);
  CHECK(s.asked.size() == 1);
}

TEST_CASE("slack core: only events with a real event id are claimed, slash commands never", "[slack][core][event_claims]") {
  Replica s;
  s.core.user_looked_up("U2", "UTC");
  s.core.user_looked_up("U7", "UTC");
  // No event id Slack would send: answered on the local dedupe alone, never made into a key.
  auto actions = s.frame(1, event("env-1", "Ev1/../../leader", mention("<@UBOT> conduct", "1700.1")));
  CHECK(Stepper::types(actions) == std::vector{CoreActionType::write, CoreActionType::answer});
  actions = s.frame(1, event("env-2", std::string(coordination::max_event_id_bytes + 1, 'E'),
                             mention("<@UBOT> conduct", "1700.2")));
  CHECK(Stepper::types(actions) == std::vector{CoreActionType::write, CoreActionType::answer});
  // Slash commands carry no event id and are not retried: answered in the ack as before.
  CHECK(Stepper::types(s.frame(1, slash("env-3", "meetings"))) == std::vector{CoreActionType::write});
  CHECK(s.core.pending_claims() == 0);
}

TEST_CASE("slack core: claims in flight are bounded, past that events are answered unchecked", "[slack][core][event_claims]") {
  Replica s;
  s.core.user_looked_up("U2", "UTC");
  std::size_t claims = 0;
  for (int i = 0; i < 300; ++i) {
    const auto id = std::to_string(i);
    const auto actions = s.frame(1, event("env-" + id, "Ev" + id, mention("<@UBOT> conduct", "1700." + id)));
    if (Stepper::find(actions, CoreActionType::claim_event)) ++claims;
  }
  CHECK(claims == s.core.pending_claims());
  CHECK(claims < 300);
  CHECK(s.asked.size() == 300 - claims);
  CHECK(s.metrics.value("katabot_slack_event_claims_failed_open_total") == 300 - claims);
}
