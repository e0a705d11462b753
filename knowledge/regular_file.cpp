#include "knowledge/regular_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace katabot {
namespace {

std::string errno_problem() { return std::string("cannot read file: ") + std::strerror(errno); }

std::string not_regular(mode_t mode) {
  std::string_view kind = "a special file";
  if (S_ISFIFO(mode)) kind = "a FIFO (named pipe)";
  if (S_ISDIR(mode)) kind = "a directory";
  if (S_ISCHR(mode)) kind = "a character device";
  if (S_ISBLK(mode)) kind = "a block device";
  if (S_ISSOCK(mode)) kind = "a socket";
  return "is " + std::string(kind) + ", not a regular file";
}

std::string too_large(std::size_t max_bytes) {
  return "is larger than " + std::to_string(max_bytes / 1024) + " KiB, the most katabot reads";
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

FileContents read_regular_file(const std::filesystem::path& path, std::size_t max_bytes) {
  // The type is checked before opening (opening some devices has side effects), and again on the
  // open descriptor, which O_NONBLOCK keeps from blocking if a FIFO was put there in between.
  struct stat status {};
  if (::stat(path.c_str(), &status) != 0) return {{}, errno_problem()};
  if (!S_ISREG(status.st_mode)) return {{}, not_regular(status.st_mode)};
  const Descriptor file(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC));
  if (file.get() < 0) return {{}, errno_problem()};
  if (::fstat(file.get(), &status) != 0) return {{}, errno_problem()};
  if (!S_ISREG(status.st_mode)) return {{}, not_regular(status.st_mode)};
  if (static_cast<std::size_t>(status.st_size) > max_bytes) return {{}, too_large(max_bytes)};

  FileContents contents;
  // Sized for what fstat says plus one byte, so that growth since then (or a size stat does not
  // know) is noticed; it is read on, up to the limit.
  contents.text.resize(std::min(max_bytes, static_cast<std::size_t>(status.st_size)) + 1);
  std::size_t length = 0;
  while (true) {
    if (length == contents.text.size()) {
      if (length > max_bytes) return {{}, too_large(max_bytes)};
      contents.text.resize(std::min(max_bytes + 1, 2 * length));
    }
    const auto got = ::read(file.get(), contents.text.data() + length, contents.text.size() - length);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return {{}, errno_problem()};
    if (got == 0) break;
    length += static_cast<std::size_t>(got);
  }
  contents.text.resize(length);
  return contents;
}

}  // namespace katabot
