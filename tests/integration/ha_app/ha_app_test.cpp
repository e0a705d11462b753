// Replicas of the real katabot binary with backend etcd (issue 12 items 3 and 5): a 1-member etcd
// and ircd-hybrid on loopback, an observer in #kata-dev. Only the leader is on IRC; /readyz and
// /metrics of each replica name its role; SIGTERM of the leader hands IRC over at once (its lease is
// revoked, also when its IRC server ignores QUIT), SIGKILL after the lease TTL. Prints the handover
// times it measures.
#include <catch2/catch.hpp>

#include <fstream>
#include <iostream>
#include <map>

#include "tests/integration/etcd/etcd_cluster.hpp"
#include "tests/integration/http/test_support.hpp"
#include "tests/integration/irc/irc_fixture.hpp"
#include "tests/integration/ha_app/replicas.hpp"

using namespace katabot::test;

namespace {

// The replica's /readyz body once it names a role with `needle`, or what it last said.
std::string wait_for_role(const Replica& replica, const std::string& needle, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string last;
  while (Clock::now() < deadline) {
    if (const auto reply = curl_request(replica.http_port, "/readyz")) {
      last = std::to_string(reply->status) + " " + reply->body;
      if (reply->body.find(needle) != std::string::npos) return last;
    }
    std::this_thread::sleep_for(100ms);  // poll period, bounded by the deadline
  }
  return "no role matching [" + needle + "] within the deadline; last answer: " + last;
}

std::optional<double> series_value(const std::string& exposition, const std::string& series) {
  const auto at = exposition.find("\n" + series + " ");
  if (at == std::string::npos) return std::nullopt;
  return std::stod(exposition.substr(at + series.size() + 2));
}

bool is_katabot_line(const std::string& line, const char* command) {
  return line.starts_with(":katabot!") && line.find(command) != std::string::npos;
}

// Nicks in #kata-dev that are the bot's (katabot and its fallbacks), by NAMES.
int katabot_nicks_in_channel(LineSocket& observer) {
  observer.seen.clear();
  observer.send_line("NAMES #kata-dev");
  REQUIRE(observer.wait_for(" 366 ", 5s));
  int count = 0;
  for (const auto& line : observer.seen) {
    if (line.find(" 353 ") == std::string::npos) continue;
    const auto names = line.substr(line.rfind(':') + 1);
    std::size_t at = 0;
    while ((at = names.find("katabot", at)) != std::string::npos) {
      ++count;
      at += 7;
    }
  }
  return count;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

// The lease of a leader that is SIGTERMed: long enough that a lease left to run out (not revoked)
// shows as a wait of 6.7 s or more (a TTL after the last keepalive, sent every third of it), far
// from the handover bound below, which is for two sanitized processes on a loaded machine. The
// 1.5 s target is the tests/ha scenario S8.
constexpr int terminated_leader_lease_ttl = 10;
constexpr double handover_bound = 5.0;

}  // namespace

TEST_CASE("replicas with etcd: one on IRC, roles on /readyz and /metrics, handover on SIGTERM and SIGKILL",
          "[integration][ha_app][etcd][hybrid]") {
  EtcdCluster etcd(1);
  REQUIRE(etcd.wait_healthy());
  const auto endpoint = etcd.endpoints().front();
  HybridServer irc;
  auto observer = connect_member(irc.port(), "observer", {"#kata-dev"});
  TempDir dir("katabot-ha-app");

  std::map<std::string, Replica> replicas;
  replicas.emplace("replica-a",
                   start_replica(dir, "replica-a", irc_only(irc.port()), endpoint, terminated_leader_lease_ttl));
  if (!observer.wait_for([](const std::string& line) { return is_katabot_line(line, " JOIN "); }, 20s)) {
    FAIL("replica-a did not join #kata-dev; it said:\n" << replicas.at("replica-a").log_text());
  }
  replicas.emplace("replica-b", start_replica(dir, "replica-b", irc_only(irc.port()), endpoint));
  auto& first = replicas.at("replica-a");
  auto& second = replicas.at("replica-b");

  SECTION("the first replica leads and is the only one on IRC; the other follows") {
    const auto leader_ready = wait_for_role(first, "role: leader (epoch ", 20s);
    INFO(first.log_text());
    CHECK(leader_ready.starts_with("200 ready\nrole: leader (epoch "));
    const auto follower_ready = wait_for_role(second, "role: follower (leader: replica-a)", 20s);
    INFO(second.log_text());
    // Ready with IRC off: a follower has no IRC to wait for (Slack would be its only adapter).
    CHECK(follower_ready == "200 ready\nrole: follower (leader: replica-a)\n");
    CHECK(katabot_nicks_in_channel(observer) == 1);
    CHECK(second.log_text().find("irc: connecting") == std::string::npos);

    const auto leader_metrics = curl_request(first.http_port, "/metrics");
    const auto follower_metrics = curl_request(second.http_port, "/metrics");
    REQUIRE(leader_metrics);
    REQUIRE(follower_metrics);
    CHECK(series_value(leader_metrics->body, "katabot_is_leader") == 1);
    CHECK(series_value(leader_metrics->body, "katabot_leader_epoch") > 0);
    CHECK(series_value(leader_metrics->body, "katabot_leader_transitions_total{reason=\"became_leader\"}") == 1);
    CHECK(series_value(leader_metrics->body, "katabot_leader_transitions_total{reason=\"deposed\"}") == 0);
    CHECK(series_value(leader_metrics->body, "katabot_adapter_ready{platform=\"irc\"}") == 1);
    CHECK(series_value(follower_metrics->body, "katabot_is_leader") == 0);
    CHECK(series_value(follower_metrics->body, "katabot_leader_epoch") == 0);
    CHECK(series_value(follower_metrics->body, "katabot_leader_transitions_total{reason=\"became_leader\"}") == 0);
    CHECK(series_value(follower_metrics->body, "katabot_adapter_ready{platform=\"irc\"}") == 0);
    const auto linted = check_with_promtool(leader_metrics->body, dir.path());
    INFO("promtool: " << linted.output);
    CHECK(linted.exit_code == 0);
  }

  SECTION("SIGTERM the leader: it says QUIT and the follower joins IRC at once; SIGKILL that one: a new replica takes over after the TTL") {
    REQUIRE(wait_for_role(second, "role: follower (leader: replica-a)", 20s).starts_with("200"));
    observer.seen.clear();
    const auto terminated = Clock::now();
    CHECK(first.process.terminate(5000ms) == 0);
    const auto stopped_after = seconds_since(terminated);
    REQUIRE(observer.wait_for([](const std::string& line) { return is_katabot_line(line, " QUIT "); }, 5s));
    const auto joined = observer.wait_for([](const std::string& line) { return is_katabot_line(line, " JOIN "); }, 10s);
    const auto handover = seconds_since(terminated);
    INFO(second.log_text());
    REQUIRE(joined);
    std::cout << "ha_app: SIGTERM of the leader: it exited after " << stopped_after
              << " s; the follower was on IRC " << handover << " s after the signal\n";
    CHECK(stopped_after < 2.0);
    // Revoking the lease wakes the follower's watch: no TTL wait (plus the IRC registration and JOIN).
    CHECK(handover < handover_bound);
    CHECK(wait_for_role(second, "role: leader (epoch ", 10s).starts_with("200 ready\nrole: leader"));

    replicas.erase("replica-a");
    auto& third = replicas.emplace("replica-c", start_replica(dir, "replica-c", irc_only(irc.port()), endpoint)).first->second;
    REQUIRE(wait_for_role(third, "role: follower (leader: replica-b)", 20s).starts_with("200"));
    CHECK(katabot_nicks_in_channel(observer) == 1);

    observer.seen.clear();
    const auto killed = Clock::now();
    second.process.kill_now();
    const auto rejoined = observer.wait_for(
        [](const std::string& line) { return is_katabot_line(line, " JOIN "); }, std::chrono::seconds(lease_ttl_seconds + 10));
    const auto takeover = seconds_since(killed);
    INFO(third.log_text());
    REQUIRE(rejoined);
    std::cout << "ha_app: SIGKILL of the leader (lease_ttl " << lease_ttl_seconds << " s): a new replica was on IRC "
              << takeover << " s after the kill\n";
    // A correctness bound (the target, TTL + 1 s, is the tests/ha scenario S2): the lease ran out,
    // then a start-up and IRC registration of a sanitized process beside other tests.
    CHECK(takeover < lease_ttl_seconds + 5.0);
    CHECK(wait_for_role(third, "role: leader (epoch ", 10s).starts_with("200 ready\nrole: leader"));
    CHECK(katabot_nicks_in_channel(observer) == 1);
  }
}

// Finding 9 of the issue 12 review: the QUIT wait ends within the term's graceful close, which
// leaves the elector time to revoke the lease, so the follower takes over at once (ha.md §6 S8) even
// when the leader's IRC server never answers QUIT.
TEST_CASE("replicas with etcd: a leader's IRC server ignoring QUIT does not hold the follower until its lease runs out",
          "[integration][ha_app][etcd]") {
  EtcdCluster etcd(1);
  REQUIRE(etcd.wait_healthy());
  const auto endpoint = etcd.endpoints().front();
  Listener irc;  // registers the bot, then keeps every connection open whatever it says
  TempDir dir("katabot-ha-quit");

  auto first = start_replica(dir, "replica-a", irc_only(irc.port()), endpoint, terminated_leader_lease_ttl);
  auto leader_link = irc.accept(20s);
  INFO(first.log_text());
  REQUIRE(leader_link);
  REQUIRE(leader_link->wait_for("NICK ", 10s));
  leader_link->send_line(":irc.test 001 katabot :Welcome");
  leader_link->send_line(":irc.test 376 katabot :End of /MOTD command.");
  REQUIRE(leader_link->wait_for("JOIN ", 10s));
  leader_link->send_line(":katabot!katabot@127.0.0.1 JOIN #kata-dev");
  REQUIRE(wait_for_role(first, "role: leader (epoch ", 20s).starts_with("200"));
  auto second = start_replica(dir, "replica-b", irc_only(irc.port()), endpoint);
  REQUIRE(wait_for_role(second, "role: follower (leader: replica-a)", 20s).starts_with("200"));

  const auto terminated = Clock::now();
  CHECK(first.process.terminate(5000ms) == 0);
  const auto stopped_after = seconds_since(terminated);
  CHECK(leader_link->wait_for("QUIT ", 1s));
  // The new leader's IRC connection: it connects as soon as it has won the election.
  auto follower_link = irc.accept(10s);
  const auto handover = seconds_since(terminated);
  INFO(first.log_text());
  INFO(second.log_text());
  REQUIRE(follower_link);
  std::cout << "ha_app: SIGTERM of a leader whose IRC server ignores QUIT: it exited after " << stopped_after
            << " s; the follower connected to IRC " << handover << " s after the signal\n";
  CHECK(stopped_after < 2.0);
  CHECK(handover < handover_bound);
}
