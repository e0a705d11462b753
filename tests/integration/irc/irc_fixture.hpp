#pragma once
// Helpers for IRC integration tests: temp dirs, child processes (killed on teardown), free loopback
// ports, a blocking line-oriented socket for scripted peers, test certificates made with openssl,
// real ircd-hybrid / inspircd servers, and an IrcAdapter running on its own io_context thread.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <netinet/in.h>
#include <sys/types.h>

#include "bot/inbound.hpp"
#include "bot/irc/irc_adapter.hpp"
#include "bot/metrics.hpp"

namespace katabot::test {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// A directory removed on destruction; world-readable so an unprivileged server can use it.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// A child process, killed (SIGKILL) and reaped when destroyed.
class Process {
 public:
  Process() = default;
  Process(std::vector<std::string> argv, const std::filesystem::path& output);
  Process(Process&& other) noexcept;
  Process& operator=(Process&& other) noexcept;
  ~Process();
  void kill_now();
  // SIGTERM, then SIGKILL if it has not exited within `grace`.
  int terminate(std::chrono::milliseconds grace = 5000ms);
  bool running();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

std::uint16_t free_port();
sockaddr_in loopback(std::uint16_t port);  // 127.0.0.1:port
bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout = 10s);
void run_or_fail(const std::string& command);
std::string read_file(const std::filesystem::path& file);

// A blocking CRLF line socket with deadlines: a scripted channel member or a fake server's client.
class LineSocket {
 public:
  LineSocket() = default;
  explicit LineSocket(int fd) : fd_(fd) {}
  LineSocket(LineSocket&& other) noexcept : fd_(other.fd_), buffer_(std::move(other.buffer_)) { other.fd_ = -1; }
  ~LineSocket();
  bool connect(std::uint16_t port);
  bool valid() const { return fd_ >= 0; }
  void send_line(const std::string& line);
  void send_raw(const std::string& bytes);
  // Next line without CR LF; nullopt on timeout or EOF.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Reads until a line contains `needle` (answering PINGs); every line read is kept in seen.
  std::optional<std::string> wait_for(const std::string& needle, std::chrono::milliseconds timeout);
  std::optional<std::string> wait_for(const std::function<bool(const std::string&)>& match,
                                      std::chrono::milliseconds timeout);
  bool closed() const { return eof_; }
  std::vector<std::string> seen;

 private:
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

// A listening loopback socket for scripted fake servers.
class Listener {
 public:
  Listener();
  ~Listener();
  std::uint16_t port() const { return port_; }
  std::optional<LineSocket> accept(std::chrono::milliseconds timeout);

 private:
  int fd_ = -1;
  std::uint16_t port_ = 0;
};

// A CA, a server certificate for 127.0.0.1/localhost, one with a wrong name, and a client cert.
struct TestCertificates {
  std::filesystem::path ca;
  std::filesystem::path server_cert, server_key;
  std::filesystem::path wrong_cert, wrong_key;
  std::filesystem::path client_pem;  // certificate and key in one file (CertFP)
};
TestCertificates make_test_certificates(const std::filesystem::path& dir);

struct HybridOptions {
  bool tls = false;
  std::filesystem::path cert, key;
};

// ircd-hybrid with a small loopback-only config, run as the unprivileged irc user.
class HybridServer {
 public:
  using Options = HybridOptions;
  explicit HybridServer(Options options = {});
  ~HybridServer();
  std::uint16_t port() const { return port_; }      // plain
  std::uint16_t tls_port() const { return tls_port_; }
  void start();
  void kill_now();
  std::string log() const;

 private:
  Options options_;
  TempDir dir_;
  std::uint16_t port_;
  std::uint16_t tls_port_;
  Process process_;
};

// inspircd 3 with the IRCv3 modules (message-tags, server-time, account-tag), on a loopback port.
class InspircdServer {
 public:
  InspircdServer();
  ~InspircdServer();
  std::uint16_t port() const { return port_; }
  std::string log() const;

 private:
  TempDir dir_;
  std::uint16_t port_;
  Process process_;
};

// Captures the log at debug level (raw protocol included) while it lives.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  std::string text() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Registers a scripted user on a real server and joins channels; the server's lines stay readable.
LineSocket connect_member(std::uint16_t port, const std::string& nick, const std::vector<std::string>& channels);

// What the stub router answers: known commands, addressed lines and private messages.
std::optional<Reply> echo_router(const Inbound& inbound);

// Runs an IrcAdapter on its own io_context thread; everything touching the adapter or metrics goes
// through call() so it happens on that thread.
class BotRunner {
 public:
  BotRunner(IrcConfig config, IrcTuning tuning, InboundHandler handler = echo_router,
            IrcAdapter::NeedsAccount needs_account = {}, IrcAdapter::MaySpeak may_speak = {});
  ~BotRunner();
  template <typename F>
  auto call(F function) -> decltype(function()) {
    std::packaged_task<decltype(function())()> task(std::move(function));
    auto result = task.get_future();
    post_task([&task] { task(); });
    return result.get();
  }
  bool wait_ready(std::chrono::milliseconds timeout);
  // Only for use inside call(): the adapter and its executor.
  IrcAdapter& adapter();
  boost::asio::any_io_executor call_executor();
  double metric(const std::string& name);
  std::vector<Inbound> inbounds();
  // Stops the adapter and waits for run() to return; true if it did so within `timeout`.
  bool stop(std::chrono::milliseconds timeout = 5s);

 private:
  void post_task(std::function<void()> task);
  struct State;
  std::unique_ptr<State> state_;
};

IrcConfig plain_config(std::uint16_t port, std::vector<std::string> channels = {"#kata-dev", "#kata-general"});
IrcTuning fast_tuning();

}  // namespace katabot::test
