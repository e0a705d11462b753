#include "tests/integration/etcd/etcd_cluster.hpp"

#include <csignal>
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
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
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
  for (int i = 0; i < members; ++i) {
    auto& member = members_[static_cast<std::size_t>(i)];
    member.name = "n" + std::to_string(i + 1);
    member.client_port = free_port();
    member.tls_port = free_port();
    member.peer_port = free_port();
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

void EtcdCluster::pause(int member) { ::kill(members_[static_cast<std::size_t>(member)].process.pid(), SIGSTOP); }

void EtcdCluster::resume(int member) { ::kill(members_[static_cast<std::size_t>(member)].process.pid(), SIGCONT); }

void EtcdCluster::restart(int member) {
  kill(member);
  start(member);
}

}  // namespace katabot::test
