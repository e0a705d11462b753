// chat.postMessage exactly once: message metadata, conversations.history after an ambiguous
// failure, and before a reminder whose ledger record a crash lost — against the fake Slack.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>

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
  // The look before the first try and one after each ambiguous failure.
  CHECK(r.fake.history_reads() == 3);
}

TEST_CASE("slack post: may have posted and the history cannot tell: not repeated until it can", "[slack][once]") {
  Ready r;
  r.fake.hold_next("chat.postMessage");
  r.fake.fail_next("conversations.history", 200, "missing_scope", 2);
  const auto first = r.bot->post_outcome("C8", reminder("k-unknown")).get();
  CHECK_FALSE(first.is_delivered());
  CHECK(first.reason.find("may have posted") != std::string::npos);
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
  // The scheduler tries the key again later: the history answers now and shows the post.
  CHECK(r.bot->post_outcome("C8", reminder("k-unknown")).get().is_delivered());
  CHECK(r.fake.calls("chat.postMessage").size() == 1);
}

TEST_CASE("slack post: after a restart, a reminder already in the channel is recorded, not posted again",
          "[slack][once]") {
  FakeSlack fake;
  {
    AdapterHarness before_crash(fake);
    REQUIRE(before_crash.post("C9", reminder("k-crash")).get());
  }
  AdapterHarness after_restart(fake);
  CHECK(after_restart.post("C9", reminder("k-crash")).get());
  CHECK(fake.calls("chat.postMessage").size() == 1);
  // Another key is posted as usual.
  CHECK(after_restart.post("C9", reminder("k-other")).get());
  CHECK(fake.calls("chat.postMessage").size() == 2);
}

TEST_CASE("slack find_posted: true for a key in the channel since the time given", "[slack][once]") {
  Ready r;
  REQUIRE(r.bot->post("C10", reminder("k-find")).get());
  const auto since = std::chrono::system_clock::now() - 1h;
  auto found = [&](const std::string& channel, const std::string& key) {
    std::promise<bool> result;
    r.bot->on_io([&] {
      boost::asio::co_spawn(r.bot->adapter_executor(), r.bot->adapter().find_posted(channel, key, since),
                            [&](std::exception_ptr, bool value) { result.set_value(value); });
      return 0;
    });
    return result.get_future().get();
  };
  CHECK(found("C10", "k-find"));
  CHECK_FALSE(found("C10", "k-else"));
  CHECK_FALSE(found("C11", "k-find"));
}
