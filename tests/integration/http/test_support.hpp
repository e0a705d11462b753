#pragma once
// Real clients for the HTTP tests: curl as a child process, raw loopback sockets for abuse, and a
// child-process handle for the katabot binary. Every wait has a deadline; nothing sleeps blindly.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>
#include <utility>
#include <string>
#include <vector>

#include <sys/types.h>

#include "tests/integration/deadline.hpp"

namespace katabot::test {

using namespace std::chrono_literals;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};
// Runs a program (words shell-quoted) and collects its output.
CommandResult run_command(const std::vector<std::string>& command);
// Runs curl with `arguments` (each shell-quoted) plus --silent --show-error --max-time.
CommandResult run_curl(const std::vector<std::string>& arguments, int max_seconds = 5);

struct HttpReply {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::optional<std::string> header(std::string_view name) const;  // case-insensitive
};
// Parses what `curl --include` printed for one request.
std::optional<HttpReply> parse_included_reply(const std::string& output);
// GET (or HEAD with "--head") through curl; nullopt if curl failed.
std::optional<HttpReply> curl_request(std::uint16_t port, const std::string& path,
                                      const std::vector<std::string>& extra_arguments = {});

// `promtool check metrics` (Debian's prometheus package) on a Prometheus text exposition: exit
// code 0 and no output when it is valid and linted clean (every metric has HELP, names fit types).
CommandResult check_with_promtool(const std::string& exposition, const std::filesystem::path& directory);

// A connected loopback TCP socket for sending what no real client would.
class RawConnection {
 public:
  // `source`: the local address to connect from (any 127.x.y.z works on Linux loopback), so that
  // tests can be several clients.
  explicit RawConnection(std::uint16_t port, const char* source = "127.0.0.1");
  ~RawConnection();
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  bool connected() const { return fd_ >= 0; }
  void send_all(const std::string& bytes);  // errors are ignored: the server may close mid-send
  // Reads until the server closes the connection (EOF or reset). nullopt if still open at the deadline.
  std::optional<std::string> read_until_closed(Deadline deadline);
  // Reads until `needle` has arrived; false on close or deadline.
  bool read_until_contains(const std::string& needle, Deadline deadline);
  void close();

 private:
  int fd_ = -1;
  std::string received_;
};

// A port nobody listens on right now (bound and released; good enough on a quiet loopback).
std::uint16_t free_loopback_port();

std::filesystem::path make_temporary_directory();

// A child process killed on destruction unless it has exited.
class ChildProcess {
 public:
  ChildProcess(const std::filesystem::path& program, const std::vector<std::string>& arguments,
               const std::filesystem::path& log_file);
  ~ChildProcess();
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  bool started() const { return pid_ > 0; }
  void signal(int number) const;
  // The exit status (as from waitpid) once it exited, polling until the deadline.
  std::optional<int> wait_exit(Deadline deadline);
  bool running();

 private:
  pid_t pid_ = -1;
  std::optional<int> status_;
};

std::string file_contents(const std::filesystem::path& path);

}  // namespace katabot::test
