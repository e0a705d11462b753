#include "test_support.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

namespace katabot::test {
namespace {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) ==
                                                std::tolower(static_cast<unsigned char>(y)); });
}

sockaddr_in loopback(std::uint16_t port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(port);
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return address;
}

// A short pause between polls of something that has no event to wait on (a child's exit).
void nap() { std::this_thread::sleep_for(10ms); }

}  // namespace

CommandResult run_command(const std::vector<std::string>& command) {
  std::string line;
  for (const auto& word : command) line += shell_quote(word) + " ";
  line += "2>&1";
  CommandResult result;
  FILE* pipe = ::popen(line.c_str(), "r");
  if (pipe == nullptr) return result;
  std::array<char, 4096> chunk{};
  std::size_t count = 0;
  while ((count = std::fread(chunk.data(), 1, chunk.size(), pipe)) > 0) result.output.append(chunk.data(), count);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

CommandResult run_curl(const std::vector<std::string>& arguments, int max_seconds) {
  std::vector<std::string> command{"curl", "--silent", "--show-error", "--max-time", std::to_string(max_seconds)};
  command.insert(command.end(), arguments.begin(), arguments.end());
  return run_command(command);
}

CommandResult check_with_promtool(const std::string& exposition, const std::filesystem::path& directory) {
  if (std::string_view(KATABOT_PROMTOOL).empty()) return {-1, "promtool is not installed (Debian package: prometheus)"};
  const auto file = directory / "metrics.txt";
  std::ofstream(file, std::ios::binary) << exposition;
  return run_command({"sh", "-c", "exec \"$0\" check metrics < \"$1\"", KATABOT_PROMTOOL, file.string()});
}

std::optional<std::string> HttpReply::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equal_ignoring_case(key, name)) return value;
  }
  return std::nullopt;
}

std::optional<HttpReply> parse_included_reply(const std::string& output) {
  const auto head_end = output.find("\r\n\r\n");
  if (head_end == std::string::npos) return std::nullopt;
  std::istringstream head(output.substr(0, head_end));
  std::string line;
  std::getline(head, line);
  HttpReply reply;
  std::string version;
  std::istringstream(line) >> version >> reply.status;
  if (version.rfind("HTTP/", 0) != 0) return std::nullopt;
  while (std::getline(head, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    auto value = line.substr(colon + 1);
    value.erase(0, value.find_first_not_of(' '));
    reply.headers.emplace_back(line.substr(0, colon), value);
  }
  reply.body = output.substr(head_end + 4);
  return reply;
}

std::optional<HttpReply> curl_request(std::uint16_t port, const std::string& path,
                                      const std::vector<std::string>& extra_arguments) {
  std::vector<std::string> arguments{"--include"};
  arguments.insert(arguments.end(), extra_arguments.begin(), extra_arguments.end());
  arguments.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  const auto result = run_curl(arguments);
  if (result.exit_code != 0) return std::nullopt;
  return parse_included_reply(result.output);
}

RawConnection::RawConnection(std::uint16_t port, const char* source) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) return;
  auto local = loopback(0);
  if (::inet_pton(AF_INET, source, &local.sin_addr) != 1 ||
      ::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
    close();
    return;
  }
  // Reads wake up regularly so that the deadline is checked even when nothing arrives.
  timeval poll_interval{0, 50'000};
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &poll_interval, sizeof poll_interval);
  const auto address = loopback(port);
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) close();
}

RawConnection::~RawConnection() { close(); }

void RawConnection::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

void RawConnection::send_all(const std::string& bytes) {
  std::size_t sent = 0;
  while (fd_ >= 0 && sent < bytes.size()) {
    const auto count = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (count <= 0) return;
    sent += static_cast<std::size_t>(count);
  }
}

std::optional<std::string> RawConnection::read_until_closed(Deadline deadline) {
  std::array<char, 4096> chunk{};
  while (fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
    const auto count = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (count > 0) {
      received_.append(chunk.data(), static_cast<std::size_t>(count));
    } else if (count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      return std::exchange(received_, {});  // EOF, or reset: either way the server hung up
    }
  }
  return std::nullopt;
}

bool RawConnection::read_until_contains(const std::string& needle, Deadline deadline) {
  std::array<char, 4096> chunk{};
  while (fd_ >= 0 && std::chrono::steady_clock::now() < deadline) {
    if (const auto at = received_.find(needle); at != std::string::npos) {
      received_.erase(0, at + needle.size());
      return true;
    }
    const auto count = ::recv(fd_, chunk.data(), chunk.size(), 0);
    if (count > 0) {
      received_.append(chunk.data(), static_cast<std::size_t>(count));
    } else if (count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      return false;
    }
  }
  return false;
}

std::uint16_t free_loopback_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto address = loopback(0);
  socklen_t length = sizeof address;
  if (fd < 0 || ::bind(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    throw std::runtime_error("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

std::filesystem::path make_temporary_directory() {
  std::string pattern = (std::filesystem::temp_directory_path() / "katabot-http-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

ChildProcess::ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments,
                           const std::filesystem::path& log_file) {
  std::vector<std::string> all{program.string()};
  all.insert(all.end(), arguments.begin(), arguments.end());
  std::vector<char*> argv;
  for (auto& argument : all) argv.push_back(argument.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  if (::posix_spawn(&pid_, program.c_str(), &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
  posix_spawn_file_actions_destroy(&actions);
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !status_) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void ChildProcess::signal(int number) const {
  if (pid_ > 0 && !status_) ::kill(pid_, number);
}

bool ChildProcess::running() {
  if (pid_ <= 0 || status_) return false;
  int status = 0;
  if (::waitpid(pid_, &status, WNOHANG) == pid_) {
    status_ = status;
    return false;
  }
  return true;
}

std::optional<int> ChildProcess::wait_exit(Deadline deadline) {
  while (running() && std::chrono::steady_clock::now() < deadline) nap();
  return status_;
}

std::string file_contents(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace katabot::test
