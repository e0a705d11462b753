// chat.postMessage exactly once: message metadata, conversations.history after an ambiguous
// failure, and before a reminder whose ledger record a crash lost — against the fake Slack.
#include <catch2/catch.hpp>

#include "adapter_harness.hpp"

using namespace katabot;
using namespace katabot::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

Reply reminder(const std::string& key) {
  Reply reply;
  reply.text = "Architecture Committee in 15 minutes";
  reply.post_key = key;
  return reply;
}

struct Ready {
  FakeSlack fake;
  std::unique_ptr<AdapterHarness> bot = std::make_unique<AdapterHarness>(fake);
  Ready() { REQUIRE(bot->wait_ready(deadline_in(5s))); }
};

}  // namespace

TEST_CASE("slack post: a reminder carries its ledger key as message metadata", "[slack][once]") {
  Ready r;
  REQUIRE(r.bot->post("C5", reminder("ac@2026-12-03T13:00:00Z-15m")).get());
  const auto posts = r.fake.calls("chat.postMessage");
  REQUIRE(posts.size() == 1);
  CHECK(posts[0].json()["metadata"] ==
        json({{"event_type", "katabot_reminder"}, {"event_payload", {{"key", "ac@2026-12-03T13:00:00Z-15m"}}}}));
}

TEST_CASE("slack post: stored, then the connection dropped before the answer: found, not posted twice",
          "[slack][once]") {
  Ready r;
  r.fake.drop_after_storing_next("chat.postMessage");
  const auto outcome = r.bot->post_outcome("C5", reminder("k-drop")).get();
  CHECK(outcome.is_delivered());
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
  CHECK(r.fake.channel_history("C5").size() == 1);
  CHECK(r.fake.history_reads() >= 1);
}

TEST_CASE("slack post: a read timeout is followed by a look in the history, not a second post", "[slack][once]") {
  Ready r;
  r.fake.hold_next("chat.postMessage");
  Reply answer;  // no ledger key: the adapter makes one of its own
  answer.text = "broadcast";
  const auto asked = std::chrono::steady_clock::now();
  CHECK(r.bot->post("C6", answer).get());
  CHECK(std::chrono::steady_clock::now() - asked >= fast_timings().request_timeout);
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
  CHECK(r.fake.channel_history("C6").size() == 1);
}

TEST_CASE("slack post: 5xx and fatal errors are posted again once the history shows they did not post",
          "[slack][once]") {
  Ready r;
  r.fake.fail_next("chat.postMessage", 503, "service_unavailable");
  r.fake.fail_next("chat.postMessage", 200, "fatal_error");
  CHECK(r.bot->post("C7", reminder("k-5xx")).get());
  CHECK(r.fake.calls("chat.postMessage").size() == 3);
  CHECK(r.fake.channel_history("C7").size() == 1);
  // One look after each ambiguous failure; none before the first try (the scheduler's find_posted is that).
  CHECK(r.fake.history_reads() == 2);
}

TEST_CASE("slack post: may have posted and the history cannot tell: not repeated until it can", "[slack][once]") {
  Ready r;
  r.fake.hold_next("chat.postMessage");
  r.fake.fail_next("conversations.history", 200, "missing_scope", 2);
  const auto first = r.bot->post_outcome("C8", reminder("k-unknown")).get();
  CHECK_FALSE(first.is_delivered());
  CHECK(first.reason.find("may have posted") != std::string::npos);
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
  // The scheduler tries the key again: the history still cannot tell, so it is not posted blindly.
  const auto second = r.bot->post_outcome("C8", reminder("k-unknown")).get();
  CHECK_FALSE(second.is_delivered());
  CHECK(second.reason.find("an earlier try ended ambiguously") != std::string::npos);
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
  // And again: the history answers now and shows the post.
  CHECK(r.bot->post_outcome("C8", reminder("k-unknown")).get().is_delivered());
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
}

TEST_CASE("slack post: a reminder's first post reads no history, the scheduler's find_posted is the one look",
          "[slack][once]") {
  Ready r;
  REQUIRE(r.bot->post("C9", reminder("k-first")).get());
  CHECK(r.fake.history_reads() == 0);
}

TEST_CASE("slack post: a crash between post and record, then the scheduler's look: found, not posted again",
          "[slack][once]") {
  FakeSlack fake;
  const auto due = std::chrono::system_clock::now() - 1min;
  {
    AdapterHarness before_crash(fake);
    REQUIRE(before_crash.post("C9", reminder("k-crash")).get());
  }  // the process dies before its ledger records the post
  AdapterHarness after_restart(fake);
  // What the scheduler does for a reminder without a ledger record: find_posted, then post if absent.
  CHECK(after_restart.find_posted("C9", "k-crash", due));
  CHECK(fake.calls("chat.postMessage").size() == 1);
  CHECK_FALSE(after_restart.find_posted("C9", "k-other", due));
  CHECK(after_restart.post("C9", reminder("k-other")).get());
  CHECK(fake.calls("chat.postMessage").size() == 2);
  // One read of the history per reminder (the adapter read it a second time before each first post).
  CHECK(fake.history_reads() == 2);
}

TEST_CASE("slack find_posted: true for a key in the channel since the time given", "[slack][once]") {
  Ready r;
  REQUIRE(r.bot->post("C10", reminder("k-find")).get());
  const auto since = std::chrono::system_clock::now() - 1h;
  CHECK(r.bot->find_posted("C10", "k-find", since));
  CHECK_FALSE(r.bot->find_posted("C10", "k-else", since));
  CHECK_FALSE(r.bot->find_posted("C11", "k-find", since));
}
