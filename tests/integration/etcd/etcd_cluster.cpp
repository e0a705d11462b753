#include "tests/integration/etcd/etcd_cluster.hpp"

#include <csignal>
#include <fstream>
#include <random>
#include <set>
#include <stdexcept>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

namespace katabot::test {

namespace {

constexpr const char* etcd_binary = "/usr/bin/etcd";

// The lowest port the kernel hands out to outgoing connections and to bind(0).
std::uint16_t ephemeral_low() {
  unsigned low = 0;
  std::ifstream("/proc/sys/net/ipv4/ip_local_port_range") >> low;
  return static_cast<std::uint16_t>(low);
}

bool bindable(std::uint16_t port) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const auto address = loopback(port);
  const bool bound = bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  close(fd);
  return bound;
}

// A free port below the ephemeral range, none of `taken`. Members are started after all their
// ports are picked, and restarted after being killed: meanwhile a port from the ephemeral range
// (free_port()) may become the local port of any test's outgoing connection, and the member then
// cannot bind it. Below the range only another test's explicit bind can take it.
std::uint16_t member_port(std::set<std::uint16_t>& taken) {
  constexpr std::uint16_t lowest = 10000;
  const auto high = ephemeral_low();
  if (high <= lowest + 1000) return free_port();  // an unusual range: as good as it gets
  static std::mt19937 random{std::random_device{}()};
  std::uniform_int_distribution<unsigned> pick(lowest, high - 1u);
  for (int attempt = 0; attempt < 100; ++attempt) {
    const auto port = static_cast<std::uint16_t>(pick(random));
    if (!taken.contains(port) && bindable(port)) {
      taken.insert(port);
      return port;
    }
  }
  throw std::runtime_error("no free loopback port below " + std::to_string(high) + " in 100 tries");
}

// Whether every thread of `pid` is stopped: SIGSTOP only asks, and a thread the kernel has not
// yet stopped (on a loaded machine, a while) may still answer a request sent meanwhile.
bool all_threads_stopped(pid_t pid) {
  const auto tasks = std::filesystem::path("/proc") / std::to_string(pid) / "task";
  std::error_code error;
  for (const auto& task : std::filesystem::directory_iterator(tasks, error)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const auto state_at = line.rfind(") ");  // the state follows the command name in parentheses
    if (state_at == std::string::npos || line.compare(state_at + 2, 1, "T") != 0) return false;
  }
  return !error;
}

}  // namespace

coordination::EtcdClientSettings client_settings(std::vector<std::string> endpoints,
                                                 std::chrono::milliseconds request_timeout) {
  return {std::move(endpoints), "/v3", {}, {}, {}, {}, {}, {}, request_timeout};
}

HeldLeaderKey take_leader_key(boost::asio::io_context& io, coordination::EtcdClient& client, const std::string& leader_key,
                              const std::string& identity) {
  const auto lease = finish(io, client.grant(10, deadline_in(5s)));
  REQUIRE(lease.value);
  const auto won = finish(io, client.txn(coordination::create_if_absent_body(leader_key, identity, lease.value->id),
                                         deadline_in(5s)));
  REQUIRE(won.value);
  REQUIRE(won.value->succeeded);
  return {lease.value->id, won.value->revision};
}

std::optional<std::string> http_post(std::uint16_t port, const std::string& path, const std::string& body,
                                     std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const auto address = loopback(port);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return std::nullopt;
  }
  const auto request = "POST " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\n\r\n" + body;
  if (send(fd, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return std::nullopt;
  }
  std::string response;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    pollfd poll_fd{fd, POLLIN, 0};
    if (left <= 0ms || poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) {
      close(fd);
      return std::nullopt;  // no whole answer in time (a paused member, no quorum)
    }
    char chunk[8192];
    const auto n = recv(fd, chunk, sizeof chunk, 0);
    if (n <= 0) break;
    response.append(chunk, static_cast<std::size_t>(n));
  }
  close(fd);
  const auto body_start = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || response.compare(9, 1, "2") != 0 || body_start == std::string::npos) {
    return std::nullopt;
  }
  return response.substr(body_start + 4);
}

EtcdCluster::EtcdCluster(int members, std::optional<EtcdTls> tls) : dir_("katabot-etcd"), tls_(std::move(tls)) {
  if (access(etcd_binary, X_OK) != 0) {
    throw std::runtime_error(std::string(etcd_binary) + " is missing: apt-get install etcd-server etcd-client");
  }
  members_.resize(static_cast<std::size_t>(members));
  std::set<std::uint16_t> taken;
  for (int i = 0; i < members; ++i) {
    auto& member = members_[static_cast<std::size_t>(i)];
    member.name = "n" + std::to_string(i + 1);
    member.client_port = member_port(taken);
    member.tls_port = member_port(taken);
    member.peer_port = member_port(taken);
    initial_cluster_ += (i ? "," : "") + member.name + "=http://127.0.0.1:" + std::to_string(member.peer_port);
  }
  for (int i = 0; i < members; ++i) start(i);
}

void EtcdCluster::start(int index) {
  auto& member = members_[static_cast<std::size_t>(index)];
  const auto client = "http://127.0.0.1:" + std::to_string(member.client_port);
  const auto peer = "http://127.0.0.1:" + std::to_string(member.peer_port);
  std::vector<std::string> argv = {
      etcd_binary, "--name", member.name, "--data-dir", (dir_.path() / (member.name + ".etcd")).string(),
      "--listen-client-urls", client, "--advertise-client-urls", client, "--listen-peer-urls", peer,
      "--initial-advertise-peer-urls", peer, "--initial-cluster", initial_cluster_, "--initial-cluster-state", "new",
      "--initial-cluster-token", "katabot-test", "--logger", "zap", "--log-outputs",
      (dir_.path() / (member.name + ".log")).string()};
  if (tls_) {
    argv[6] = client + ",https://127.0.0.1:" + std::to_string(member.tls_port);  // --listen-client-urls
    for (auto flag : {"--cert-file", tls_->cert.c_str(), "--key-file", tls_->key.c_str()}) argv.emplace_back(flag);
  }
  member.process = Process(std::move(argv), dir_.path() / (member.name + ".out"));
}

std::vector<std::string> EtcdCluster::endpoints() const {
  std::vector<std::string> out;
  for (const auto& member : members_) out.push_back("http://127.0.0.1:" + std::to_string(member.client_port));
  return out;
}

std::vector<std::string> EtcdCluster::tls_endpoints() const {
  std::vector<std::string> out;
  for (const auto& member : members_) out.push_back("https://127.0.0.1:" + std::to_string(member.tls_port));
  return out;
}

bool EtcdCluster::wait_healthy(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (const auto& member : members_) {
    if (member.process.pid() <= 0) continue;
    for (;;) {
      // A linearizable read answers only with a quorum behind it.
      const auto answer = http_post(member.client_port, "/v3/kv/range", R"({"key":"aGVhbHRo"})", 1s);
      if (answer) break;
      if (Clock::now() >= deadline) return false;
      std::this_thread::sleep_for(100ms);
    }
  }
  return true;
}

std::optional<int> EtcdCluster::leader(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    for (std::size_t i = 0; i < members_.size(); ++i) {
      if (members_[i].process.pid() <= 0) continue;
      const auto answer = http_post(members_[i].client_port, "/v3/maintenance/status", "{}", 1s);
      if (!answer) continue;
      const auto status = nlohmann::json::parse(*answer, nullptr, false);
      if (status.is_discarded()) continue;
      const auto leader = status.value("leader", std::string());
      if (!leader.empty() && leader == status["header"].value("member_id", std::string())) return static_cast<int>(i);
    }
    std::this_thread::sleep_for(100ms);
  }
  return std::nullopt;
}

void EtcdCluster::kill(int member) { members_[static_cast<std::size_t>(member)].process.kill_now(); }

pid_t EtcdCluster::running_pid(int member) const {
  const auto pid = members_[static_cast<std::size_t>(member)].process.pid();
  // kill(-1, …) would signal every process we may signal: the test runner among them.
  if (pid <= 0) throw std::runtime_error("etcd member " + std::to_string(member) + " is not running");
  return pid;
}

void EtcdCluster::pause(int member) {
  const auto pid = running_pid(member);
  ::kill(pid, SIGSTOP);
  const auto deadline = Clock::now() + 5s;
  while (!all_threads_stopped(pid)) {
    if (Clock::now() >= deadline) throw std::runtime_error("etcd member " + std::to_string(member) + " did not stop");
    std::this_thread::sleep_for(1ms);  // polling /proc: the kernel offers no event for it
  }
}

void EtcdCluster::resume(int member) { ::kill(running_pid(member), SIGCONT); }

void EtcdCluster::restart(int member) {
  kill(member);
  start(member);
}

}  // namespace katabot::test
