// A follower replica serves Slack (Socket Mode spreads the events over every connection): it is
// ready without IRC, and an announcement sent to it is posted once, by the leader (broadcast outbox).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "tests/integration/etcd/etcd_cluster.hpp"
#include "tests/integration/ha_app/replicas.hpp"
#include "tests/integration/slack/fake_slack.hpp"

using namespace katabot::test;

namespace {

// GET /readyz over HTTP/1.0: the status line and the body lines, "\n"-joined.
std::string readyz(std::uint16_t port) {
  LineSocket http;
  if (!http.connect(port)) return "no connection";
  http.send_raw("GET /readyz HTTP/1.0\r\nHost: katabot\r\n\r\n");
  std::string answer;
  while (const auto line = http.read_line(2s)) answer += *line + "\n";
  return answer;
}

// Whether /readyz on `port` says `role` (contains it, or with `absent` does not) within `timeout`.
bool wait_role(std::uint16_t port, const std::string& role, std::chrono::seconds timeout, bool absent = false) {
  const auto deadline = Clock::now() + timeout;
  const auto settled = [&] { return (readyz(port).find(role) == std::string::npos) == absent; };
  while (!settled() && Clock::now() < deadline) std::this_thread::sleep_for(100ms);  // poll period, bounded
  return settled();
}

// The fake Slack's tokens, as every replica's configuration names them.
void set_slack_tokens() {
  ::setenv("SLACK_APP_TOKEN", "xapp-1-A1-1-hatestapp", 1);
  ::setenv("SLACK_BOT_TOKEN", "xoxb-1-2-hatestbot", 1);
}

}  // namespace

TEST_CASE("replicas with etcd: a follower serves Slack, is ready, and its announcement is posted once by the leader",
          "[integration][ha_app][etcd][slack]") {
  EtcdCluster etcd(1);
  REQUIRE(etcd.wait_healthy());
  FakeSlack slack;
  set_slack_tokens();
  TempDir dir("katabot-ha-app");
  auto chat = slack_only(slack.api_base());
  chat.replace(chat.find("  command: /kata\n"), 17, "  command: /kata\n  reminder_channels: [C9]\n");
  const auto leader = start_replica(dir, "replica-a", chat, etcd.endpoints().front());
  REQUIRE(wait_role(leader.http_port, "role: leader (epoch ", 20s));
  const auto follower = start_replica(dir, "replica-b", chat, etcd.endpoints().front());
  // The newest connection gets the envelopes: the follower's, once it said hello.
  REQUIRE(slack.wait_hellos(2, deadline_in(20s)));
  wait_role(follower.http_port, "role: follower (leader: replica-a)", 20s);
  const auto ready = readyz(follower.http_port);
  INFO(follower.log_text());
  CHECK(ready.starts_with("HTTP/1.0 200 "));  // answered in the version asked
  CHECK(ready.ends_with("\n\nready\nrole: follower (leader: replica-a)\n"));

  const auto response_url = "http://127.0.0.1:" + std::to_string(slack.port()) + "/response/";
  std::size_t responses = 0;
  const auto ask = [&](const std::string& envelope_id, const std::string& text) -> std::string {
    slack.send_envelope(slash_command_envelope(envelope_id, text, "U2", "C1", response_url + envelope_id));
    const auto ack = slack.wait_ack(envelope_id, deadline_in(10s));
    if (!ack) return "no ack";
    if (ack->payload) return ack->payload->dump();
    const auto calls = slack.wait_calls("response_url", ++responses, deadline_in(10s));
    return calls.size() == responses ? calls.back().body : "no response";
  };
  const auto status = ask("ha-status", "status");
  CHECK(status.find("Replica replica-b: follower (leader: replica-a)") != std::string::npos);
  CHECK(status.find("Reminders: posted by the leader, replica-a.") != std::string::npos);
  const auto announce = ask("ha-announce", "announce ac agenda is up");
  CHECK(announce.find("The leader, replica-a, posts the announcement to the meeting's channels in a moment") !=
        std::string::npos);
  // The leader takes it from the outbox (watch or poll) and posts it to C9, once.
  const auto announced = [&] {
    std::size_t count = 0;
    for (const auto& call : slack.calls("chat.postMessage")) {
      if (call.body.find("agenda is up") != std::string::npos) ++count;
    }
    return count;
  };
  const auto posted_by = Clock::now() + 20s;
  while (announced() == 0 && Clock::now() < posted_by) std::this_thread::sleep_for(100ms);  // poll, bounded
  INFO(leader.log_text());
  CHECK(announced() == 1);
  const auto leader_log = leader.log_text();
  const auto posting = leader_log.find("broadcast outbox: posting");
  CHECK(posting != std::string::npos);
  CHECK(leader_log.find("broadcast outbox: posting", posting + 1) == std::string::npos);
  CHECK(follower.log_text().find("broadcast outbox: posting") == std::string::npos);
  CHECK(follower.log_text().find("irc: connecting") == std::string::npos);
}

TEST_CASE("replicas with etcd: an announcement etcd did not take is reported in the asker's conversation",
          "[integration][ha_app][etcd][slack]") {
  EtcdCluster etcd(1);
  REQUIRE(etcd.wait_healthy());
  FakeSlack slack;
  set_slack_tokens();
  TempDir dir("katabot-ha-outbox");
  const auto replica = start_replica(dir, "replica-a", slack_only(slack.api_base()), etcd.endpoints().front());
  REQUIRE(slack.wait_hellos(1, deadline_in(20s)));
  REQUIRE(wait_role(replica.http_port, "role: leader (epoch ", 20s));
  // Without etcd the replica stops leading: an announcement must go through the outbox, which fails.
  etcd.kill(0);
  INFO(replica.log_text());
  REQUIRE(wait_role(replica.http_port, "role: leader", 30s, true));
  slack.send_envelope(slash_command_envelope("outbox-down", "announce ac agenda is up", "U2", "C1",
                                             "http://127.0.0.1:" + std::to_string(slack.port()) + "/response/outbox-down"));
  REQUIRE(slack.wait_ack("outbox-down", deadline_in(10s)));
  const auto posts = slack.wait_calls("chat.postMessage", 1, deadline_in(20s));
  REQUIRE(posts.size() == 1);
  const auto follow_up = posts[0].json();
  CHECK(follow_up["channel"] == "C1");
  INFO(follow_up.dump());
  CHECK(follow_up.dump().find("Nothing was posted to the channels of architecture-committee") != std::string::npos);
  // The term's outbox consumer, cancelled with the term, stopped as a cancelled task does.
  CHECK(replica.log_text().find("stopped by an unexpected error") == std::string::npos);
}
