#pragma once
// A real etcd cluster for tests: N members of Debian's etcd on free loopback ports, data in a temp
// dir, each a child process the test can kill, pause, resume and restart (ha.md §6). Also what
// the tests against it share: running an io_context until an event, one etcd call to its end,
// the client settings without TLS or auth, and taking the leader key as an elected replica would.
#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <catch2/catch.hpp>

#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/deadline.hpp"
#include "tests/integration/irc/irc_fixture.hpp"

namespace katabot::test {

// A server certificate and key: the members then also serve https on a second client port.
struct EtcdTls {
  std::filesystem::path cert;
  std::filesystem::path key;
};

class EtcdCluster {
 public:
  explicit EtcdCluster(int members = 3, std::optional<EtcdTls> tls = std::nullopt);

  // http://127.0.0.1:PORT of every member, in member order.
  std::vector<std::string> endpoints() const;
  // https://127.0.0.1:PORT of every member, when started with TLS.
  std::vector<std::string> tls_endpoints() const;
  // Until every running member reports healthy (which needs a quorum), or the deadline.
  bool wait_healthy(std::chrono::milliseconds timeout = 15s);
  // The member that is the raft leader, or nullopt when none answers as leader before the deadline.
  std::optional<int> leader(std::chrono::milliseconds timeout = 10s);

  void kill(int member);     // SIGKILL
  void pause(int member);    // SIGSTOP
  void resume(int member);   // SIGCONT
  void restart(int member);  // same flags and data dir: it rejoins
  bool running(int member) const { return members_[member].process.pid() > 0; }

 private:
  struct Member {
    std::string name;
    std::uint16_t client_port = 0;
    std::uint16_t tls_port = 0;
    std::uint16_t peer_port = 0;
    Process process;
  };
  void start(int member);
  pid_t running_pid(int member) const;

  TempDir dir_;
  std::optional<EtcdTls> tls_;
  std::string initial_cluster_;
  std::vector<Member> members_;
};

// Runs `io` until `done()` or the timeout; whether `done()` came true. Whatever else runs on `io`
// (replicas, consumers) goes on meanwhile.
template <class Done>
bool run_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds timeout) {
  const auto deadline = deadline_in(timeout);
  while (!done()) {
    if (Clock::now() >= deadline) return false;
    io.restart();
    io.run_for(10ms);
  }
  return true;
}

// Runs one etcd client call to completion on `io`, bounded.
template <class T>
T finish(boost::asio::io_context& io, boost::asio::awaitable<T> call) {
  auto future = boost::asio::co_spawn(io, std::move(call), boost::asio::use_future);
  REQUIRE(run_until(io, [&] { return future.wait_for(0s) == std::future_status::ready; }, 20s));
  return future.get();
}

// Plain http endpoints: no CA, client certificate, server name or user.
coordination::EtcdClientSettings client_settings(std::vector<std::string> endpoints,
                                                 std::chrono::milliseconds request_timeout = 2s);

// What an elected replica holds: its lease, and the epoch (the leader key's create revision).
struct HeldLeaderKey {
  std::int64_t lease = 0;
  std::int64_t epoch = 0;
};
// Creates `leader_key` as `identity` on a new 10 s lease; fails the test when the key is taken.
HeldLeaderKey take_leader_key(boost::asio::io_context& io, coordination::EtcdClient& client, const std::string& leader_key,
                              const std::string& identity);

// One POST to 127.0.0.1:port with a JSON body, HTTP/1.0; the response body, or nullopt on no answer.
std::optional<std::string> http_post(std::uint16_t port, const std::string& path, const std::string& body,
                                     std::chrono::milliseconds timeout);

}  // namespace katabot::test
