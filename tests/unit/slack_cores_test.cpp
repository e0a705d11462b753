#include <catch2/catch.hpp>

#include "bot/slack/channel_pacer.hpp"
#include "bot/slack/event_dedupe.hpp"
#include "bot/slack/redact.hpp"
#include "bot/slack/url.hpp"
#include "handlers/clock.hpp"

using namespace katabot;
using namespace katabot::slack;
using namespace std::chrono_literals;

TEST_CASE("slack dedupe: a retry with the same event_id is not a first delivery", "[slack][dedupe]") {
  ManualClock clock{std::chrono::system_clock::time_point{} + 1000h};
  EventDedupe dedupe(clock, 10min);
  CHECK(dedupe.first_delivery({"event:Ev1", "message:C1/1.0", "envelope:a"}));
  CHECK_FALSE(dedupe.first_delivery({"event:Ev1", "message:C1/1.0", "envelope:b"}));  // retry, new envelope id
  CHECK_FALSE(dedupe.first_delivery({"event:Ev2", "message:C1/1.0", "envelope:c"}));  // server-side duplicate
  CHECK_FALSE(dedupe.first_delivery({"envelope:b"}));                                  // learnt from the retry
  CHECK(dedupe.first_delivery({"event:Ev3", "message:C1/2.0", ""}));
  clock.advance(9min);
  CHECK_FALSE(dedupe.first_delivery({"event:Ev1"}));
  clock.advance(2min);
  CHECK(dedupe.first_delivery({"event:Ev1"}));  // past the TTL
}

TEST_CASE("slack dedupe: a retry is recognised for 15 minutes by default", "[slack][dedupe]") {
  ManualClock clock{std::chrono::system_clock::time_point{} + 1000h};
  EventDedupe dedupe(clock);  // the window the adapter uses
  REQUIRE(dedupe.first_delivery({"event:Ev1", "envelope:a"}));
  clock.advance(15min - 1s);
  CHECK_FALSE(dedupe.first_delivery({"event:Ev1", "envelope:b"}));
  clock.advance(1s);
  CHECK(dedupe.first_delivery({"event:Ev1", "envelope:c"}));
}

TEST_CASE("slack dedupe: the first delivery we see may be a retry", "[slack][dedupe]") {
  ManualClock clock{std::chrono::system_clock::time_point{} + 1000h};
  EventDedupe dedupe(clock);
  // Nothing about retry_attempt reaches the cache: only identity matters.
  CHECK(dedupe.first_delivery({"event:EvLate", "message:C9/5.0"}));
}

TEST_CASE("slack dedupe: size stays bounded", "[slack][dedupe]") {
  ManualClock clock{std::chrono::system_clock::time_point{} + 1000h};
  EventDedupe dedupe(clock, 15min, 100);
  for (int i = 0; i < 1000; ++i) dedupe.first_delivery({"event:" + std::to_string(i)});
  CHECK(dedupe.size() <= 100);
  CHECK_FALSE(dedupe.first_delivery({"event:999"}));
  clock.advance(16min);
  dedupe.first_delivery({"event:x"});
  CHECK(dedupe.size() == 1);
}

TEST_CASE("slack pacer: one message per second per channel", "[slack][pacer]") {
  ChannelPacer pacer(1s);
  const std::chrono::steady_clock::time_point t0{1000h};
  CHECK(pacer.reserve("C1", t0) == t0);
  CHECK(pacer.reserve("C1", t0) == t0 + 1s);
  CHECK(pacer.reserve("C1", t0 + 100ms) == t0 + 2s);
  CHECK(pacer.reserve("C2", t0) == t0);  // channels are independent
  CHECK(pacer.reserve("C1", t0 + 10s) == t0 + 10s);
}

TEST_CASE("slack redact: tokens and tickets never survive", "[slack][redact]") {
  CHECK(redact_secrets("Authorization: Bearer xapp-1-A0-123-abcdef") == "Authorization: Bearer xapp-…redacted");
  CHECK(redact_secrets("xoxb-123-456-abc and xoxp-9") == "xoxb-…redacted and xoxp-…redacted");
  CHECK(redact_secrets("wss://x.slack.com/link/?ticket=abc-123&app_id=A1") ==
        "wss://x.slack.com/link/?ticket=…redacted&app_id=A1");
  CHECK(redact_secrets("no secrets here, fooxoxb-1 stays") == "no secrets here, fooxoxb-1 stays");
  CHECK(redact_secrets("") == "");
}

TEST_CASE("slack url: parsing what Slack and the config give", "[slack][url]") {
  const auto api = parse_url("https://slack.com/api/");
  REQUIRE(api);
  CHECK(api->host == "slack.com");
  CHECK(api->port == "443");
  CHECK(api->target == "/api/");
  CHECK(api->secure());
  const auto wss = parse_url("wss://wss-primary.slack.com/link/?ticket=abc&app_id=A1");
  REQUIRE(wss);
  CHECK(wss->target == "/link/?ticket=abc&app_id=A1");
  const auto local = parse_url("http://127.0.0.1:8080/api/");
  REQUIRE(local);
  CHECK(local->port == "8080");
  CHECK_FALSE(local->secure());
  const auto bare = parse_url("ws://[::1]:9");
  REQUIRE(bare);
  CHECK(bare->host == "::1");
  CHECK(bare->target == "/");
  CHECK_FALSE(parse_url("ftp://x/"));
  CHECK_FALSE(parse_url("http://"));
  CHECK_FALSE(parse_url("http://u:p@host/"));
  CHECK_FALSE(parse_url("http://host:99999999/"));
  CHECK(method_url("http://127.0.0.1:1/api", "auth.test") == "http://127.0.0.1:1/api/auth.test");
  CHECK(method_url("https://slack.com/api/", "chat.postMessage") == "https://slack.com/api/chat.postMessage");
}
