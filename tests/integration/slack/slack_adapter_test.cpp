// SlackAdapter in-process against the fake Slack: one scenario per point of the Slack issue.
#include <catch2/catch.hpp>

#include <atomic>
#include <iostream>
#include <memory>

#include "adapter_harness.hpp"

using namespace katabot;
using namespace katabot::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

const Labels slack_labels = {{"platform", "slack"}};

json mention(const std::string& text, const std::string& ts, const std::string& user = "U2") {
  return {{"type", "app_mention"}, {"channel", "C1"}, {"user", user}, {"text", text}, {"ts", ts}, {"event_ts", ts}};
}

json channel_message(const std::string& text, const std::string& ts, const std::string& channel_type = "channel") {
  return {{"type", "message"}, {"channel", channel_type == "im" ? "D1" : "C1"}, {"channel_type", channel_type},
          {"user", "U2"}, {"text", text}, {"ts", ts}, {"event_ts", ts}};
}

struct Connected {
  FakeSlack fake;
  std::unique_ptr<AdapterHarness> bot;
  explicit Connected(SlackTimings timings = fast_timings()) : bot(std::make_unique<AdapterHarness>(fake, timings)) {
    REQUIRE(fake.wait_hellos(1, deadline_in(5s)));
    REQUIRE(bot->wait_ready(deadline_in(5s)));
    // auth.test answered: the bot knows its own id before the first event is sent.
    REQUIRE(fake.wait_calls("auth.test", 1, deadline_in(5s)).size() >= 1);
    const auto deadline = deadline_in(3s);
    while (bot->on_io([&] { return bot->adapter().bot_user_id(); }).empty()) {
      REQUIRE(std::chrono::steady_clock::now() < deadline);
      std::this_thread::sleep_for(1ms);
    }
  }
  // An app_mention whose answer is then on its way to chat.postMessage.
  void ask(const std::string& id) {
    fake.send_envelope(event_envelope("env-" + id, "Ev" + id, mention("<@UBOT> conduct", "1700." + id)));
    REQUIRE(fake.wait_ack("env-" + id, deadline_in(3s)));
    REQUIRE(fake.wait_calls("chat.postMessage", 1, deadline_in(3s)).size() == 1);
  }
};

// The grace run() gives its children after a cancellation, plus scheduling slack on a busy machine.
constexpr auto promptly = 400ms;

}  // namespace

TEST_CASE("slack: connects with the app token, identifies with the bot token, ready after hello", "[slack]") {
  Connected c;
  const auto opens = c.fake.calls("apps.connections.open");
  REQUIRE(opens.size() == 1);
  CHECK(opens[0].authorization == std::string("Bearer ") + test_app_token);
  CHECK(opens[0].body.find("xapp-") == std::string::npos);  // only in the header
  const auto auth = c.fake.calls("auth.test");
  CHECK(auth[0].authorization == std::string("Bearer ") + test_bot_token);
  CHECK(c.bot->adapter().bot_user_id() == "UBOT");
  CHECK(c.bot->metric("katabot_last_connected_timestamp_seconds", slack_labels) > 1.6e9);
  CHECK(c.bot->metric("katabot_reconnects_total", slack_labels) == 0);
}

TEST_CASE("slack: /kata meetings answered through response_url first, then in the ack", "[slack]") {
  Connected c;
  const auto response_url = "http://127.0.0.1:" + std::to_string(c.fake.port()) + "/response/1";
  c.fake.send_envelope(slash_command_envelope("env-s1", "meetings", "U7", "C1", response_url));
  const auto first_ack = c.fake.wait_ack("env-s1", deadline_in(3s));
  REQUIRE(first_ack);
  CHECK_FALSE(first_ack->payload);  // time zone unknown: ack at once, answer later
  const auto lookups = c.fake.wait_calls("users.info", 1, deadline_in(3s));
  REQUIRE(lookups.size() == 1);
  CHECK(lookups[0].json()["user"] == "U7");
  const auto responses = c.fake.wait_calls("response_url", 1, deadline_in(3s));
  REQUIRE(responses.size() == 1);
  const auto body = responses[0].json();
  CHECK(body["response_type"] == "ephemeral");
  CHECK(body["text"].get<std::string>().find("Europe/Berlin") != std::string::npos);
  CHECK(body["blocks"][0]["text"]["type"] == "mrkdwn");
  CHECK(responses[0].authorization.empty());  // response_url needs no token
  const auto inbound = c.bot->inbounds().at(0);
  CHECK(inbound.kind == InboundKind::slash_command);
  CHECK(inbound.text == "meetings");
  CHECK(inbound.channel == "C1");
  CHECK(inbound.user_id == "U7");
  CHECK(inbound.user_name == "ann");
  CHECK(inbound.user_timezone == "Europe/Berlin");

  // Now the zone is cached: the answer rides in the ack.
  c.fake.send_envelope(slash_command_envelope("env-s2", "conduct", "U7", "C1", response_url));
  const auto second_ack = c.fake.wait_ack("env-s2", deadline_in(3s));
  REQUIRE(second_ack);
  REQUIRE(second_ack->payload);
  CHECK((*second_ack->payload)["response_type"] == "in_channel");
  CHECK((*second_ack->payload)["text"].get<std::string>().find("Be kind.") != std::string::npos);
  CHECK((*second_ack->payload)["blocks"].dump().find("<https://openinfra.dev/legal/code-of-conduct|Code of Conduct>") !=
        std::string::npos);
  CHECK(c.fake.calls("users.info").size() == 1);
  CHECK(c.bot->wait_metric("katabot_acks_total", {}, 2, deadline_in(2s)));
  CHECK(c.bot->wait_metric("katabot_messages_out_total", slack_labels, 2, deadline_in(2s)));
}

TEST_CASE("slack: a mention is answered in its thread with the mention removed", "[slack]") {
  Connected c;
  c.fake.send_envelope(event_envelope("env-m1", "Ev1", mention("<@UBOT> when is the next meeting?", "1700.0001")));
  REQUIRE(c.fake.wait_ack("env-m1", deadline_in(3s)));
  const auto posts = c.fake.wait_calls("chat.postMessage", 1, deadline_in(3s));
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].authorization == std::string("Bearer ") + test_bot_token);
  CHECK(posts[0].content_type.find("application/json") != std::string::npos);
  const auto body = posts[0].json();
  CHECK(body["channel"] == "C1");
  CHECK(body["thread_ts"] == "1700.0001");
  CHECK(body["blocks"].is_array());
  const auto inbound = c.bot->inbounds().at(0);
  CHECK(inbound.kind == InboundKind::mention);
  CHECK(inbound.text == "when is the next meeting?");
  CHECK(inbound.user_timezone == "Europe/Berlin");

  // A reply inside a thread stays in that thread.
  auto threaded = mention("<@UBOT> conduct", "1700.0009");
  threaded["thread_ts"] = "1700.0005";
  c.fake.send_envelope(event_envelope("env-m2", "Ev2", threaded));
  const auto more = c.fake.wait_calls("chat.postMessage", 2, deadline_in(3s));
  REQUIRE(more.size() == 2);
  CHECK(more[1].json()["thread_ts"] == "1700.0005");
}

TEST_CASE("slack: a DM is a direct message, channel lines go to the keyword listener", "[slack]") {
  Connected c;
  c.fake.send_envelope(event_envelope("env-d1", "EvD1", channel_message("meetings", "1700.0100", "im")));
  const auto posts = c.fake.wait_calls("chat.postMessage", 1, deadline_in(3s));
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].json()["channel"] == "D1");
  CHECK(c.bot->inbounds().at(0).kind == InboundKind::direct_message);

  c.fake.send_envelope(event_envelope("env-c1", "EvC1", channel_message("anyone knows the code &amp; conduct?", "1700.0101")));
  REQUIRE(c.bot->wait_inbounds(2, deadline_in(3s)));
  const auto line = c.bot->inbounds().at(1);
  CHECK(line.kind == InboundKind::channel_line);
  CHECK(line.text == "anyone knows the code & conduct?");
  // A channel message that mentions the bot also arrives as app_mention: only that one is answered.
  c.fake.send_envelope(event_envelope("env-c2", "EvC2", channel_message("<@UBOT> conduct", "1700.0102")));
  c.fake.send_envelope(event_envelope("env-c3", "EvC3", mention("<@UBOT> conduct", "1700.0102")));
  REQUIRE(c.bot->wait_inbounds(3, deadline_in(3s)));
  REQUIRE(c.fake.wait_ack("env-c3", deadline_in(3s)));
  CHECK(c.bot->inbounds().at(2).kind == InboundKind::mention);
}

TEST_CASE("slack: retries are answered once, and a first delivery that is a retry is answered", "[slack]") {
  Connected c;
  const auto event = mention("<@UBOT> conduct", "1700.0200");
  c.fake.send_envelope(event_envelope("env-r1", "EvR", event));
  c.fake.send_envelope(event_envelope("env-r2", "EvR", event, 1));  // Slack's retry: new envelope id
  c.fake.send_envelope(event_envelope("env-r1", "EvR", event, 2));  // and the same envelope again
  c.fake.send_envelope(event_envelope("env-r3", "EvR-dup", event));  // server-side duplicate: new event id
  // Raised while we were away: only the retry ever comes.
  c.fake.send_envelope(event_envelope("env-late", "EvLate", mention("<@UBOT> meetings", "1700.0300"), 2));
  for (const auto* id : {"env-r1", "env-r2", "env-r3", "env-late"}) CHECK(c.fake.wait_ack(id, deadline_in(3s)));
  const auto posts = c.fake.wait_calls("chat.postMessage", 2, deadline_in(3s));
  REQUIRE(posts.size() == 2);
  CHECK(c.bot->inbounds().size() == 2);
  CHECK(c.bot->wait_metric("katabot_slack_retries_dropped_total", {}, 3, deadline_in(2s)));
}

TEST_CASE("slack: own messages and other bots are ignored", "[slack]") {
  Connected c;
  auto own = channel_message("meetings", "1700.0400", "im");
  own["user"] = "UBOT";
  auto bot = channel_message("meetings", "1700.0401", "im");
  bot["bot_id"] = "B9";
  auto classic = channel_message("meetings", "1700.0402", "im");
  classic["subtype"] = "bot_message";
  auto edited = channel_message("meetings", "1700.0403", "im");
  edited["subtype"] = "message_changed";
  auto joined = channel_message("meetings", "1700.0404");
  joined["subtype"] = "channel_join";
  int n = 0;
  for (const auto& event : {own, bot, classic, edited, joined}) {
    ++n;
    c.fake.send_envelope(event_envelope("env-i" + std::to_string(n), "EvI" + std::to_string(n), event));
  }
  // A sentinel after them: when it is answered, the ignored ones were processed too.
  c.fake.send_envelope(event_envelope("env-sentinel", "EvS", channel_message("meetings", "1700.0499", "im")));
  const auto posts = c.fake.wait_calls("chat.postMessage", 1, deadline_in(3s));
  for (int i = 1; i <= n; ++i) CHECK(c.fake.wait_ack("env-i" + std::to_string(i), deadline_in(1s)));
  CHECK(posts.size() == 1);
  CHECK(c.bot->inbounds().size() == 1);
}

TEST_CASE("slack: garbage frames are dropped and the connection carries on", "[slack]") {
  Connected c;
  c.fake.send_text("this is not json");
  c.fake.send_text("");
  c.fake.send_text("[1,2,3]");
  c.fake.send_text(R"({"type":"mystery"})");
  c.fake.send_binary(std::string("\x00\x01\x02\xff", 4));
  c.fake.send_text(std::string(2 * 1024 * 1024, 'x'));  // over the 1 MiB read cap
  c.fake.send_text(R"({"envelope_id":"env-g1","type":"events_api"})");          // no payload: acked anyway
  c.fake.send_text(R"({"envelope_id":"env-g2","type":"strange","payload":{}})");  // unknown type: acked
  c.fake.send_text(R"({"envelope_id":"env-g3","type":"events_api","payload":{"event":"x"}})");
  c.fake.send_text(R"({"envelope_id":"env-g4","type":"slash_commands","payload":{"text":7}})");
  c.fake.send_text(R"({"type":"hello"})");  // a second hello changes nothing
  c.fake.send_text(R"({"envelope_id":"env-g5","type":"interactive","payload":{"type":"block_actions"}})");
  for (const auto* id : {"env-g1", "env-g2", "env-g3", "env-g4", "env-g5"}) CHECK(c.fake.wait_ack(id, deadline_in(3s)));
  const auto response_url = "http://127.0.0.1:" + std::to_string(c.fake.port()) + "/response/2";
  c.fake.send_envelope(slash_command_envelope("env-after", "meetings", "U8", "C1", response_url));
  CHECK(c.fake.wait_ack("env-after", deadline_in(3s)));
  CHECK(c.fake.wait_calls("response_url", 1, deadline_in(3s)).size() == 1);
  CHECK(c.fake.hellos() == 1);
  CHECK(c.fake.open_connections() == 1);
  CHECK(c.bot->ready());
}

TEST_CASE("slack: warning then refresh_requested opens the new connection before closing the old", "[slack]") {
  Connected c;
  c.fake.script_refresh();
  REQUIRE(c.fake.wait_hellos(2, deadline_in(5s)));
  REQUIRE(c.fake.wait_open_connections(1, deadline_in(5s)));
  const auto connections = c.fake.connections();
  REQUIRE(connections.size() == 2);
  CHECK(connections[0].closed_by_client);                   // we closed the old one, cleanly
  CHECK_FALSE(connections[0].closed_by_server);
  CHECK(connections[1].opened < connections[0].closed);     // after the new one was up
  CHECK(connections[1].open);
  CHECK(c.fake.calls("apps.connections.open").size() == 2);  // a fresh URL for the new connection
  CHECK(c.fake.tickets_rejected() == 0);
  CHECK(c.bot->ready());
  CHECK(c.bot->wait_metric("katabot_reconnects_total", slack_labels, 1, deadline_in(2s)));
  // Still answering, on the new connection.
  c.fake.send_envelope(event_envelope("env-after-refresh", "EvAR", mention("<@UBOT> conduct", "1700.0600")));
  const auto ack = c.fake.wait_ack("env-after-refresh", deadline_in(3s));
  REQUIRE(ack);
  CHECK(ack->connection == 2);
}

TEST_CASE("slack: too_many_websockets closes first, then reconnects after a backoff", "[slack]") {
  Connected c;
  c.fake.send_disconnect("too_many_websockets");
  REQUIRE(c.fake.wait_hellos(2, deadline_in(5s)));
  const auto connections = c.fake.connections();
  REQUIRE(connections.size() == 2);
  CHECK(connections[0].closed_by_client);
  CHECK(connections[0].closed <= connections[1].opened);
}

TEST_CASE("slack: too_many_websockets instead of hello on a new connection", "[slack]") {
  FakeSlack fake;
  fake.set_max_connections(0);
  AdapterHarness bot(fake);
  REQUIRE(fake.wait_calls("apps.connections.open", 2, deadline_in(5s)).size() >= 2);
  CHECK_FALSE(bot.ready());
  fake.set_max_connections(10);
  REQUIRE(fake.wait_hellos(1, deadline_in(5s)));
  CHECK(bot.wait_ready(deadline_in(3s)));
  CHECK(fake.open_connections() == 1);
}

TEST_CASE("slack: an envelope before hello is acked and answered", "[slack]") {
  FakeSlack fake;
  fake.send_before_next_hello(event_envelope("env-early", "EvEarly", mention("<@UBOT> conduct", "1700.0800")));
  AdapterHarness bot(fake);
  REQUIRE(fake.wait_ack("env-early", deadline_in(5s)));
  CHECK(fake.wait_calls("chat.postMessage", 1, deadline_in(5s)).size() == 1);
  CHECK(bot.wait_ready(deadline_in(3s)));
}

TEST_CASE("slack: a dropped socket is reconnected within a second", "[slack]") {
  Connected c;
  const auto dropped = std::chrono::steady_clock::now();
  c.fake.drop_newest();
  REQUIRE(c.fake.wait_hellos(2, deadline_in(5s)));
  CHECK(std::chrono::steady_clock::now() - dropped < 1500ms);
  CHECK(c.bot->wait_ready(deadline_in(2s)));
  CHECK(c.bot->metric("katabot_reconnects_total", slack_labels) == 1);
}

TEST_CASE("slack: a silent socket (no frames, no pongs) is abandoned and replaced", "[slack]") {
  auto timings = fast_timings();
  timings.silence_timeout = 800ms;
  Connected c(timings);
  const auto silenced = std::chrono::steady_clock::now();
  c.fake.silence_newest();
  REQUIRE(c.fake.wait_hellos(2, deadline_in(5s)));
  const auto took = std::chrono::steady_clock::now() - silenced;
  CHECK(took >= timings.silence_timeout - 100ms);  // not an ordinary close
  CHECK(c.bot->wait_ready(deadline_in(2s)));
}

TEST_CASE("slack: failed apps.connections.open is retried with backoff", "[slack]") {
  FakeSlack fake;
  fake.fail_next_opens(2);
  AdapterHarness bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(5s)));
  CHECK(fake.calls("apps.connections.open").size() == 3);
  CHECK(bot.wait_ready(deadline_in(2s)));
}

TEST_CASE("slack: 429 on apps.connections.open waits Retry-After", "[slack]") {
  FakeSlack fake;
  fake.rate_limit_next("apps.connections.open", 1);
  const auto started = std::chrono::steady_clock::now();
  AdapterHarness bot(fake);
  REQUIRE(fake.wait_hellos(1, deadline_in(5s)));
  CHECK(std::chrono::steady_clock::now() - started >= 1s);
  CHECK(fake.calls("apps.connections.open").size() == 2);
}

TEST_CASE("slack: 429 on chat.postMessage waits Retry-After, then posts once", "[slack]") {
  Connected c;
  c.fake.rate_limit_next("chat.postMessage", 1);
  const auto sent = std::chrono::steady_clock::now();
  c.fake.send_envelope(event_envelope("env-429", "Ev429", mention("<@UBOT> conduct", "1700.0700")));
  const auto posts = c.fake.wait_calls("chat.postMessage", 2, deadline_in(5s));
  REQUIRE(posts.size() == 2);  // the refused one and the retry
  CHECK(std::chrono::steady_clock::now() - sent >= 1s);
  CHECK(c.bot->metric("katabot_rate_limit_waits_total", slack_labels) == 1);
  CHECK(c.bot->wait_metric("katabot_messages_out_total", slack_labels, 1, deadline_in(2s)));
}

TEST_CASE("slack: posts to one channel are paced, reminders report ok", "[slack]") {
  Connected c;
  std::vector<std::future<bool>> results;
  for (int i = 0; i < 3; ++i) {
    Reply reply;
    reply.text = "Reminder " + std::to_string(i) + " <b> & co";
    results.push_back(c.bot->post("C5", reply));
  }
  Reply other;
  other.text = "Elsewhere";
  auto elsewhere = c.bot->post("C6", other);
  for (auto& result : results) CHECK(result.get());
  CHECK(elsewhere.get());
  const auto posts = c.fake.calls("chat.postMessage");
  REQUIRE(posts.size() == 4);
  std::vector<std::chrono::steady_clock::time_point> c5;
  for (const auto& post : posts) {
    if (post.json()["channel"] == "C5") c5.push_back(post.at);
  }
  REQUIRE(c5.size() == 3);
  // Seen at the fake, so the first gap may shrink by a connection set-up (the first C5 post may open
  // a connection while the C6 post takes the idle one). Two spacings less half of one allows for
  // that and still fails when the posts are not paced, or paced only once.
  const auto spacing = fast_timings().post_spacing;
  CHECK(c5[2] - c5[0] >= 2 * spacing - spacing / 2);
  CHECK(posts[0].json()["blocks"][0]["text"]["text"].get<std::string>().find("&lt;b&gt; &amp; co") != std::string::npos);
}

TEST_CASE("slack: Web API calls share kept-alive connections", "[slack]") {
  Connected c;
  const auto before = c.fake.http_connections();
  for (int i = 0; i < 5; ++i) {
    Reply reply;
    reply.text = "one of several";
    CHECK(c.bot->post("C" + std::to_string(i), reply).get());
  }
  CHECK(c.fake.http_connections() - before <= 1);
  CHECK(c.fake.calls("chat.postMessage").size() == 5);
}

TEST_CASE("slack: 5xx and retryable errors are retried but terminal errors are not", "[slack]") {
  Connected c;
  c.fake.fail_next("chat.postMessage", 503, "service_unavailable");
  c.fake.fail_next("chat.postMessage", 200, "internal_error");
  Reply reply;
  reply.text = "third time lucky";
  CHECK(c.bot->post("C1", reply).get());
  CHECK(c.fake.calls("chat.postMessage").size() == 3);

  c.fake.fail_next("chat.postMessage", 200, "not_in_channel");
  CHECK_FALSE(c.bot->post("C2", reply).get());
  CHECK(c.fake.calls("chat.postMessage").size() == 4);  // not retried
}

TEST_CASE("slack: a leader-only post is not sent once its gate closed, also after a Retry-After wait", "[slack][fence]") {
  Connected c;
  auto leading = std::make_shared<std::atomic<bool>>(true);
  Reply reply;
  reply.text = "Reminder: the meeting starts soon";
  reply.post_key = "reminder:fence";
  reply.may_send = [leading] { return leading->load(); };

  c.fake.rate_limit_next("chat.postMessage", 1);
  auto outcome = c.bot->post_outcome("C7", reply);
  REQUIRE(c.fake.wait_calls("chat.postMessage", 1, deadline_in(3s)).size() == 1);
  leading->store(false);  // deposed while the client waits out Retry-After
  REQUIRE(outcome.wait_for(10s) == std::future_status::ready);
  const auto after_wait = outcome.get();
  CHECK(after_wait.kind == PostOutcome::Kind::failed);
  CHECK(after_wait.reason == "not leader");
  CHECK(c.fake.calls("chat.postMessage").size() == 1);  // the refused one only: the retry was not sent

  // Closed from the start: nothing is written at all.
  auto closed = c.bot->post_outcome("C8", reply);
  REQUIRE(closed.wait_for(10s) == std::future_status::ready);
  CHECK(closed.get().reason == "not leader");
  CHECK(c.fake.calls("chat.postMessage").size() == 1);
}

TEST_CASE("slack: a failed post reports false", "[slack]") {
  Connected c;
  c.fake.rate_limit_next("chat.postMessage", 0, 100);  // always refused
  Reply reply;
  reply.text = "never";
  CHECK_FALSE(c.bot->post("C9", reply).get());
}

// How fast acks leave is a figure for tests/bench (e2e.py, micro_bench), not a pass/fail bound here:
// under the sanitizers or a loaded machine any bound is either loose or flaky.
TEST_CASE("slack: every ack's latency is measured and exported as a summary", "[slack][latency]") {
  Connected c;
  constexpr int envelopes = 300;
  for (int i = 0; i < envelopes; ++i) {
    auto event = channel_message("nothing to see " + std::to_string(i), "1800." + std::to_string(i));
    c.fake.send_envelope(event_envelope("env-lat" + std::to_string(i), "EvLat" + std::to_string(i), event));
  }
  REQUIRE(c.fake.wait_ack("env-lat" + std::to_string(envelopes - 1), deadline_in(5s)));
  // The fake may read the last ack before the adapter's write completion recorded it.
  auto latency = c.bot->on_io([&] { return c.bot->adapter().ack_latency(); });
  for (const auto deadline = deadline_in(2s); latency.samples < envelopes && std::chrono::steady_clock::now() < deadline;) {
    latency = c.bot->on_io([&] { return c.bot->adapter().ack_latency(); });
  }
  CHECK(latency.samples >= envelopes);
  std::cout << "ack latency over " << latency.samples << " acks: p50 "
            << std::chrono::duration<double, std::micro>(latency.p50).count() << " us, p99 "
            << std::chrono::duration<double, std::micro>(latency.p99).count() << " us, max "
            << std::chrono::duration<double, std::micro>(latency.max).count() << " us\n";
  CHECK(latency.p50 > 0ns);
  CHECK(latency.p50 <= latency.p99);
  CHECK(latency.p99 <= latency.max);
  CHECK(c.bot->metric("katabot_slack_ack_latency_seconds", {{"quantile", "0.5"}}) > 0);
}

TEST_CASE("slack: stop closes the connection cleanly and run() returns", "[slack]") {
  Connected c;
  const auto asked = std::chrono::steady_clock::now();
  CHECK(c.bot->stop(deadline_in(5s)));
  CHECK(std::chrono::steady_clock::now() - asked < 2s);
  REQUIRE(c.fake.wait_open_connections(0, deadline_in(3s)));
  CHECK(c.fake.connections()[0].closed_by_client);
}

TEST_CASE("slack: users.info without a usable tz is cached as unknown and answered at once", "[slack][users.info]") {
  // A lookup that ends without an answer would hold the reply far beyond the waits below.
  auto timings = fast_timings();
  timings.user_lookup_timeout = 60s;
  Connected c(timings);
  // Each asker's users.info answers one of these; none may throw, each is an answer to remember.
  const std::vector<json> answers = {
      {{"ok", true}, {"user", {{"id", "U30"}, {"tz", nullptr}}}},
      {{"ok", true}, {"user", {{"id", "U31"}, {"tz", 5}}}},
      {{"ok", true}, {"user", {{"id", "U32"}}}},
      {{"ok", true}, {"user", "U33"}},
      {{"ok", true}},
      {{"ok", false}, {"error", nullptr}},
      {{"ok", "yes"}},
  };
  std::size_t posted = 0;
  for (std::size_t asker = 0; asker < answers.size(); ++asker) {
    CAPTURE(answers[asker].dump());
    const auto user = "U3" + std::to_string(asker);
    const auto channel = "C3" + std::to_string(asker);  // one channel each: no pacing between askers
    c.fake.answer_next("users.info", answers[asker]);
    for (int message = 0; message < 2; ++message) {
      const auto ts = "1900." + std::to_string(asker) + std::to_string(message);
      json event = {{"type", "app_mention"}, {"channel", channel}, {"user", user},
                    {"text", "<@UBOT> when is the next meeting?"}, {"ts", ts}, {"event_ts", ts}};
      c.fake.send_envelope(event_envelope("env-tz" + ts, "EvTz" + ts, event));
      const auto posts = c.fake.wait_calls("chat.postMessage", ++posted, deadline_in(5s));
      REQUIRE(posts.size() == posted);
      CHECK(posts.back().json()["channel"] == channel);
    }
    CHECK(c.fake.calls("users.info").size() == asker + 1);  // the second message used the cache
  }
  for (const auto& inbound : c.bot->inbounds()) CHECK(inbound.user_timezone.empty());
}

// How run() ends: after stop() once the answers in flight are done, and within a moment of a
// terminal cancellation whatever hangs (a Web API call, a 30 s Retry-After); and a router that
// throws costs one answer, never the connection.

TEST_CASE("slack run: a router exception on the slash fast path leaves the link serving", "[slack][stop]") {
  Connected c;
  const auto response_url = "http://127.0.0.1:" + std::to_string(c.fake.port()) + "/response/1";
  // The first command teaches the adapter the asker's zone, so the next ones take the fast path.
  c.fake.send_envelope(slash_command_envelope("env-f1", "meetings", "U7", "C1", response_url));
  REQUIRE(c.fake.wait_calls("response_url", 1, deadline_in(3s)).size() == 1);

  c.fake.send_envelope(slash_command_envelope("env-f2", "boom", "U7", "C1", response_url));
  const auto boom = c.fake.wait_ack("env-f2", deadline_in(3s));
  REQUIRE(boom);
  CHECK_FALSE(boom->payload);
  CHECK(c.bot->ready());

  c.fake.send_envelope(slash_command_envelope("env-f3", "meetings", "U7", "C1", response_url));
  const auto after = c.fake.wait_ack("env-f3", deadline_in(3s));
  REQUIRE(after);
  REQUIRE(after->payload);
  CHECK(after->payload->dump().find("Architecture Committee") != std::string::npos);
  CHECK(c.fake.connections().size() == 1);  // the same link all along
}

TEST_CASE("slack run: stop waits for an answer in flight, cancellation ends a hanging one at once", "[slack][stop]") {
  auto timings = fast_timings();
  timings.request_timeout = 60s;  // the held post would otherwise end by itself
  Connected c(timings);
  c.fake.hold_next("chat.postMessage");
  c.ask("hang");
  c.bot->on_io([&] {
    c.bot->adapter().stop();
    return 0;
  });
  REQUIRE(c.fake.wait_open_connections(0, deadline_in(3s)));  // the link closed at once
  CHECK(c.fake.connections()[0].closed_by_client);
  CHECK_FALSE(c.bot->wait_finished(deadline_in(300ms)));  // the answer is still on its way
  const auto cancelled = std::chrono::steady_clock::now();
  CHECK(c.bot->cancel(deadline_in(2s)));
  CHECK(std::chrono::steady_clock::now() - cancelled < promptly);
}

TEST_CASE("slack run: cancellation ends a 30 s Retry-After wait at once", "[slack][stop]") {
  Connected c;
  c.fake.rate_limit_next("chat.postMessage", 30, 100);
  c.ask("429");
  const auto cancelled = std::chrono::steady_clock::now();
  CHECK(c.bot->cancel(deadline_in(2s)));
  CHECK(std::chrono::steady_clock::now() - cancelled < promptly);
  CHECK(c.fake.calls("chat.postMessage").size() == 1);
}

TEST_CASE("slack run: cancelled while connected and idle, it returns at once", "[slack][stop]") {
  Connected c;
  const auto cancelled = std::chrono::steady_clock::now();
  CHECK(c.bot->cancel(deadline_in(2s)));
  CHECK(std::chrono::steady_clock::now() - cancelled < promptly);
}

TEST_CASE("slack run: stop while reconnecting after a 30 s Retry-After returns at once", "[slack][stop]") {
  FakeSlack fake;
  fake.rate_limit_next("apps.connections.open", 30);
  AdapterHarness bot(fake);
  REQUIRE(fake.wait_calls("apps.connections.open", 1, deadline_in(3s)).size() == 1);
  const auto asked = std::chrono::steady_clock::now();
  CHECK(bot.stop(deadline_in(2s)));
  CHECK(std::chrono::steady_clock::now() - asked < promptly);
}
