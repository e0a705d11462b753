// A follower replica serves Slack (Socket Mode spreads the events over every connection): it is
// ready without IRC, and answers a leader-only command by saying who posts instead.
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

}  // namespace

TEST_CASE("replicas with etcd: a follower serves Slack, is ready, and says who posts what it cannot",
          "[integration][ha_app][etcd][slack]") {
  EtcdCluster etcd(1);
  REQUIRE(etcd.wait_healthy());
  FakeSlack slack;
  ::setenv("SLACK_APP_TOKEN", "xapp-1-A1-1-hatestapp", 1);
  ::setenv("SLACK_BOT_TOKEN", "xoxb-1-2-hatestbot", 1);
  TempDir dir("katabot-ha-app");
  const auto chat = slack_only(slack.api_base());
  const auto leader = start_replica(dir, "replica-a", chat, etcd.endpoints().front());
  const auto led = Clock::now() + 20s;
  while (readyz(leader.http_port).find("role: leader (epoch ") == std::string::npos && Clock::now() < led) {
    std::this_thread::sleep_for(100ms);  // poll period, bounded by the deadline
  }
  REQUIRE(readyz(leader.http_port).find("role: leader (epoch ") != std::string::npos);
  const auto follower = start_replica(dir, "replica-b", chat, etcd.endpoints().front());
  // The newest connection gets the envelopes: the follower's, once it said hello.
  REQUIRE(slack.wait_hellos(2, deadline_in(20s)));
  const auto followed = Clock::now() + 20s;
  while (readyz(follower.http_port).find("role: follower (leader: replica-a)") == std::string::npos && Clock::now() < followed) {
    std::this_thread::sleep_for(100ms);
  }
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
  CHECK(announce.find("The announcement was not posted: this replica (replica-b) is not the leader") != std::string::npos);
  CHECK(slack.calls("chat.postMessage").empty());
  CHECK(follower.log_text().find("irc: connecting") == std::string::npos);
}
