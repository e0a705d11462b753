#include "tests/integration/irc/irc_fixture.hpp"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

namespace katabot::test {

namespace fs = std::filesystem;

TempDir::TempDir(const std::string& prefix) {
  std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
  fs::permissions(path_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                             fs::perms::others_read | fs::perms::others_exec);
}

TempDir::~TempDir() {
  std::error_code ignored;
  fs::remove_all(path_, ignored);
}

Process::Process(std::vector<std::string> argv, const fs::path& output) {
  pid_ = fork();
  if (pid_ == 0) {
    const int out = open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (out >= 0) {
      dup2(out, 1);
      dup2(out, 2);
    }
    const int null = open("/dev/null", O_RDONLY);
    if (null >= 0) dup2(null, 0);
    std::vector<char*> args;
    for (auto& arg : argv) args.push_back(arg.data());
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
}

Process::Process(Process&& other) noexcept : pid_(other.pid_) { other.pid_ = -1; }

Process& Process::operator=(Process&& other) noexcept {
  if (this != &other) {
    kill_now();
    pid_ = other.pid_;
    other.pid_ = -1;
  }
  return *this;
}

Process::~Process() { kill_now(); }

void Process::kill_now() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

int Process::terminate(std::chrono::milliseconds grace) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const auto deadline = Clock::now() + grace;
  int status = 0;
  while (Clock::now() < deadline) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(20ms);
  }
  kill_now();
  return -1;
}

bool Process::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  if (waitpid(pid_, &status, WNOHANG) == pid_) {
    pid_ = -1;
    return false;
  }
  return true;
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

namespace {

bool is_root() { return geteuid() == 0; }

// Runs a server binary as the unprivileged irc user when we are root (ircd-hybrid refuses root).
std::vector<std::string> as_irc_user(std::vector<std::string> argv) {
  if (!is_root()) return argv;
  std::vector<std::string> wrapped = {"setpriv", "--reuid=irc", "--regid=irc", "--clear-groups", "--"};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  return wrapped;
}

void give_to_irc_user(const fs::path& path) {
  if (!is_root()) return;
  run_or_fail("chown -R irc:irc '" + path.string() + "'");
}

void write_file(const fs::path& file, const std::string& text) {
  std::ofstream out(file);
  out << text;
}

}  // namespace

std::uint16_t free_port() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(0);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    auto address = loopback(port);
    const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
    close(fd);
    if (ok) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

// On failure the message carries the end of what the command printed: a test that fails once in
// a loaded CI run must say why (etcdctl's "request timed out", openssl's complaint).
void run_or_fail(const std::string& command) {
  constexpr std::size_t kept = 2000;
  FILE* pipe = ::popen(("(" + command + ") 2>&1").c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run: " + command);
  std::string output;
  char chunk[512];
  while (const auto read = std::fread(chunk, 1, sizeof chunk, pipe)) {
    output.append(chunk, read);
    if (output.size() > 2 * kept) output.erase(0, output.size() - kept);
  }
  if (::pclose(pipe) != 0) {
    if (output.size() > kept) output.erase(0, output.size() - kept);
    throw std::runtime_error("command failed: " + command + "\n" + output);
  }
}

std::string read_file(const fs::path& file) {
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

LineSocket::~LineSocket() {
  if (fd_ >= 0) close(fd_);
}

bool LineSocket::connect(std::uint16_t port) {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  auto address = loopback(port);
  const int one = 1;
  setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
}

void LineSocket::send_raw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<std::size_t>(n);
  }
}

void LineSocket::send_line(const std::string& line) { send_raw(line + "\r\n"); }

std::optional<std::string> LineSocket::read_line(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const auto end = buffer_.find('\n');
    if (end != std::string::npos) {
      auto line = buffer_.substr(0, end);
      buffer_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      return line;
    }
    if (eof_) return std::nullopt;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left <= 0ms) return std::nullopt;
    pollfd poll_fd{fd_, POLLIN, 0};
    if (poll(&poll_fd, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char chunk[8192];
    const auto n = recv(fd_, chunk, sizeof chunk, 0);
    if (n <= 0) {
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

std::optional<std::string> LineSocket::wait_for(const std::function<bool(const std::string&)>& match,
                                                std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    auto line = read_line(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!line) {
      if (eof_) return std::nullopt;
      continue;
    }
    seen.push_back(*line);
    if (line->rfind("PING ", 0) == 0) send_line("PONG " + line->substr(5));
    if (match(*line)) return line;
  }
  return std::nullopt;
}

std::optional<std::string> LineSocket::wait_for(const std::string& needle, std::chrono::milliseconds timeout) {
  return wait_for([&](const std::string& line) { return line.find(needle) != std::string::npos; }, timeout);
}

Listener::Listener() {
  fd_ = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  auto address = loopback(0);
  bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
  listen(fd_, 8);
  socklen_t length = sizeof address;
  getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
  port_ = ntohs(address.sin_port);
}

Listener::~Listener() { close(fd_); }

std::optional<LineSocket> Listener::accept(std::chrono::milliseconds timeout) {
  pollfd poll_fd{fd_, POLLIN, 0};
  if (poll(&poll_fd, 1, static_cast<int>(timeout.count())) <= 0) return std::nullopt;
  const int client = ::accept(fd_, nullptr, nullptr);
  if (client < 0) return std::nullopt;
  return LineSocket(client);
}

TestCertificates make_test_certificates(const fs::path& dir) {
  const auto d = dir.string() + "/";
  TestCertificates certs{dir / "ca.pem",        dir / "server.pem", dir / "server.key",
                         dir / "wrong.pem",     dir / "wrong.key",  dir / "client.pem"};
  run_or_fail("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=katabot-test-ca -keyout " + d +
              "ca.key -out " + d + "ca.pem -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign");
  auto issue = [&](const std::string& name, const std::string& subject, const std::string& alt_names) {
    write_file(dir / (name + ".ext"), "subjectAltName=" + alt_names + "\n");
    run_or_fail("openssl req -newkey rsa:2048 -nodes -subj /CN=" + subject + " -keyout " + d + name + ".key -out " + d +
                name + ".csr");
    run_or_fail("openssl x509 -req -in " + d + name + ".csr -CA " + d + "ca.pem -CAkey " + d + "ca.key -CAcreateserial -days 2 -out " +
                d + name + ".pem -extfile " + d + name + ".ext");
  };
  issue("server", "localhost", "DNS:localhost,IP:127.0.0.1");
  issue("wrong", "wrong.example", "DNS:wrong.example");
  run_or_fail("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=katabot -keyout " + d + "client.key -out " + d +
              "client.crt && cat " + d + "client.crt " + d + "client.key > " + d + "client.pem");
  return certs;
}

HybridServer::HybridServer(Options options)
    : options_(std::move(options)), dir_("katabot-hybrid"), port_(free_port()), tls_port_(free_port()) {
  std::string tls_serverinfo;
  std::string tls_listen;
  if (options_.tls) {
    fs::copy_file(options_.cert, dir_.path() / "cert.pem");
    fs::copy_file(options_.key, dir_.path() / "key.pem");
    tls_serverinfo = "  rsa_private_key_file = \"" + (dir_.path() / "key.pem").string() + "\";\n" +
                     "  tls_certificate_file = \"" + (dir_.path() / "cert.pem").string() + "\";\n";
    tls_listen = "listen { flags = tls; host = \"127.0.0.1\"; port = " + std::to_string(tls_port_) + "; };\n";
  }
  write_file(dir_.path() / "ircd.conf", R"(serverinfo {
  name = "irc.test.local";
  sid = "0KB";
  description = "katabot test";
  network_name = "katatest";
  hub = no;
  default_max_clients = 64;
  max_nick_length = 30;
  max_topic_length = 300;
)" + tls_serverinfo + R"(};
admin { name = "test"; description = "test"; email = "<t@localhost>"; };
class {
  name = "users";
  ping_time = 90 seconds;
  number_per_ip_local = 50;
  number_per_ip_global = 50;
  max_number = 100;
  sendq = 100 kbytes;
  recvq = 2560 bytes;
};
listen { host = "127.0.0.1"; port = )" + std::to_string(port_) + R"(; };
)" + tls_listen + R"(auth { user = "*@*"; class = "users"; };
operator { name = "op"; user = "*@127.0.0.1"; password = "op"; encrypted = no; class = "users"; };
channel { max_channels = 25; default_join_flood_count = 100; default_join_flood_time = 1 second; };
general {
  # Per-channel and per-target message counting (10 a second on OFTC) is raised so that bursts of
  # commands from several scripted members all reach the bot; the per-connection input limit that
  # causes "Excess Flood" (class recvq, 5 lines then 2 per second) stays exactly as on OFTC.
  disable_auth = yes;
  default_floodcount = 100;
  default_floodtime = 1 second;
  throttle_count = 100;
  throttle_time = 0;
  anti_nick_flood = yes;
  max_nick_changes = 5;
  max_nick_time = 20 seconds;
};
modules {
  path = "/usr/lib/ircd-hybrid/modules";
  path = "/usr/lib/ircd-hybrid/modules/autoload";
};
)");
  give_to_irc_user(dir_.path());
  start();
}

HybridServer::~HybridServer() { kill_now(); }

void HybridServer::start() {
  const auto d = dir_.path();
  process_ = Process(as_irc_user({"/usr/sbin/ircd-hybrid", "-foreground", "-configfile", (d / "ircd.conf").string(),
                                  "-pidfile", (d / "ircd.pid").string(), "-logfile", (d / "ircd.log").string(),
                                  "-klinefile", (d / "k.db").string(), "-dlinefile", (d / "d.db").string(),
                                  "-xlinefile", (d / "x.db").string(), "-resvfile", (d / "r.db").string()}),
                     d / "output.txt");
  if (!wait_for_port(port_)) throw std::runtime_error("ircd-hybrid did not start: " + log());
  if (options_.tls && !wait_for_port(tls_port_)) throw std::runtime_error("ircd-hybrid TLS did not start: " + log());
}

void HybridServer::kill_now() { process_.kill_now(); }

std::string HybridServer::log() const { return read_file(dir_.path() / "output.txt") + read_file(dir_.path() / "ircd.log"); }

InspircdServer::InspircdServer() : dir_("katabot-inspircd"), port_(free_port()) {
  const auto d = dir_.path().string();
  write_file(dir_.path() / "inspircd.conf", R"(<server name="irc.test.local" description="katabot test" network="katatest">
<admin name="test" nick="test" email="t@localhost">
<bind address="127.0.0.1" port=")" + std::to_string(port_) + R"(" type="clients">
<connect allow="*" timeout="60" threshold="100" pingfreq="120" hardsendq="262144" softsendq="8192" recvq="8192" localmax="50" globalmax="50" useident="no">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target=")" + d + R"(/inspircd.log">
<options prefixquit="Quit: " syntaxhints="no">
<dns timeout="1">
<module name="cap">
<module name="ircv3">
<module name="ircv3_msgid">
<module name="ircv3_servertime">
<module name="ircv3_ctctags">
<module name="ircv3_accounttag">
<module name="services_account">
)");
  give_to_irc_user(dir_.path());
  process_ = Process(as_irc_user({"/usr/sbin/inspircd", "--config", d + "/inspircd.conf", "--nofork", "--nopid"}),
                     dir_.path() / "output.txt");
  if (!wait_for_port(port_)) throw std::runtime_error("inspircd did not start: " + log());
}

InspircdServer::~InspircdServer() { process_.kill_now(); }

std::string InspircdServer::log() const { return read_file(dir_.path() / "output.txt"); }

struct LogCapture::State {
  std::shared_ptr<std::ostringstream> text = std::make_shared<std::ostringstream>();
  std::shared_ptr<spdlog::logger> previous;
};

LogCapture::LogCapture() : state_(std::make_unique<State>()) {
  state_->previous = spdlog::default_logger();
  auto logger = std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(*state_->text));
  logger->set_level(spdlog::level::debug);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() { spdlog::set_default_logger(state_->previous); }

std::string LogCapture::text() const {
  spdlog::default_logger()->flush();
  return state_->text->str();
}

LineSocket connect_member(std::uint16_t port, const std::string& nick, const std::vector<std::string>& channels) {
  LineSocket member;
  if (!member.connect(port)) throw std::runtime_error("member cannot connect");
  member.send_line("NICK " + nick);
  member.send_line("USER " + nick + " 0 * :scripted member");
  if (!member.wait_for(" 001 ", 10s)) throw std::runtime_error("member not registered");
  for (const auto& channel : channels) {
    member.send_line("JOIN " + channel);
    if (!member.wait_for(" 366 ", 10s)) throw std::runtime_error("member could not join " + channel);
  }
  return member;
}

std::optional<Reply> echo_router(const Inbound& inbound) {
  Reply reply;
  const auto& text = inbound.text;
  const bool addressed = text.rfind("katabot: ", 0) == 0 || text.rfind("katabot, ", 0) == 0;
  if (text == "!conduct" || (addressed && text.substr(9) == "conduct") ||
      (inbound.kind == InboundKind::direct_message && text == "conduct")) {
    reply.text = "Kata Containers follows the OpenInfra Foundation Code of Conduct.";
    reply.links = {{"Code of Conduct", "https://github.com/kata-containers/community/blob/main/CODE_OF_CONDUCT.md"}};
  } else if (text == "!help") {
    reply.text = "Commands: !help !meetings !next\nTopics: !conduct !security\nAsk me in words too.";
  } else if (text == "!meetings") {
    reply.text = "Architecture Committee: Thursdays 13:00 UTC";
  } else if (text == "!long") {
    std::string long_line;
    for (int i = 0; i < 300; ++i) long_line += "word\xE2\x99\xA5 ";
    reply.text = long_line + "\nsecond line\nthird line";
  } else if (text.rfind("!flood", 0) == 0) {
    reply.text = "flood reply " + text.substr(6) + " " + std::string(380, 'f');
  } else if (addressed) {
    reply.text = "addressed: " + text.substr(9);
  } else if (inbound.kind == InboundKind::direct_message) {
    reply.text = "private: " + text;
  } else {
    return std::nullopt;
  }
  return reply;
}

struct BotRunner::State {
  boost::asio::io_context io;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard{io.get_executor()};
  Metrics metrics;
  std::unique_ptr<IrcAdapter> adapter;
  std::atomic<bool> finished{false};
  std::mutex mutex;
  std::vector<Inbound> inbounds;
  std::thread thread;
};

BotRunner::BotRunner(IrcConfig config, IrcTuning tuning, InboundHandler handler, IrcAdapter::NeedsAccount needs_account,
                     IrcAdapter::MaySpeak may_speak)
    : state_(std::make_unique<State>()) {
  // KATABOT_TEST_DEBUG=1 shows the raw protocol when a test needs investigating.
  if (std::getenv("KATABOT_TEST_DEBUG")) spdlog::set_level(spdlog::level::debug);
  auto* state = state_.get();
  auto recording = [state, handler = std::move(handler)](const Inbound& inbound) {
    {
      std::lock_guard lock(state->mutex);
      state->inbounds.push_back(inbound);
    }
    return handler(inbound);
  };
  state->adapter = std::make_unique<IrcAdapter>(state->io.get_executor(), std::move(config), "katabot", recording,
                                                state->metrics, std::move(tuning), std::move(needs_account),
                                                std::move(may_speak));
  boost::asio::co_spawn(state->io, state->adapter->run(), [state](std::exception_ptr) { state->finished = true; });
  state->thread = std::thread([state] { state->io.run(); });
}

BotRunner::~BotRunner() {
  stop();
  state_->guard.reset();
  state_->io.stop();
  state_->thread.join();
}

IrcAdapter& BotRunner::adapter() { return *state_->adapter; }

boost::asio::any_io_executor BotRunner::call_executor() { return state_->io.get_executor(); }

void BotRunner::post_task(std::function<void()> task) { boost::asio::post(state_->io, std::move(task)); }

bool BotRunner::wait_ready(std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (call([this] { return state_->adapter->ready(); })) return true;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

double BotRunner::metric(const std::string& name) {
  return call([this, &name] { return state_->metrics.value(name, {{"platform", "irc"}}); });
}

std::vector<Inbound> BotRunner::inbounds() {
  std::lock_guard lock(state_->mutex);
  return state_->inbounds;
}

bool BotRunner::stop(std::chrono::milliseconds timeout) {
  if (state_->finished) return true;
  call([this] { state_->adapter->stop(); });
  const auto deadline = Clock::now() + timeout;
  while (!state_->finished && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  return state_->finished;
}

IrcConfig plain_config(std::uint16_t port, std::vector<std::string> channels) {
  IrcConfig config;
  config.enabled = true;
  config.host = "127.0.0.1";
  config.port = port;
  config.tls = false;
  config.nick = "katabot";
  config.alt_nicks = {"katabot_", "katabot__"};
  config.username = "katabot";
  config.channels = std::move(channels);
  return config;
}

IrcTuning fast_tuning() {
  IrcTuning tuning;
  tuning.session.registration_timeout = 10s;
  tuning.session.cap_timeout = 3s;
  tuning.session.identify_timeout = 3s;
  tuning.session.motd_timeout = 2s;
  tuning.session.regain_interval = 2s;
  tuning.channel_retry.kick_rejoin_delay = 500ms;
  tuning.channel_retry.transient_retry_first = 500ms;
  tuning.channel_retry.blocked_retry_first = 1s;
  tuning.reconnect_first = 200ms;
  tuning.reconnect_cap = 1000ms;
  tuning.tick = 50ms;
  tuning.quit_grace = 1000ms;
  // Faster than production (1.5 s) to keep short exchanges quick; only the flood test needs the real
  // pacing, because hybrid drains a sustained sender at about one line a second.
  tuning.flood.line_interval = 600ms;
  tuning.flood.bytes_per_second = 1024;
  return tuning;
}

}  // namespace katabot::test
