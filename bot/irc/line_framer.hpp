#pragma once
// Cuts the received byte stream into IRC lines: LF ends a line (one CR before it is dropped, a lone CR
// is data), empty lines are skipped, NUL bytes are removed, and a line longer than the tag budget plus
// 512 bytes is discarded up to its LF so the stream resynchronises instead of stalling.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace katabot::irc {

class LineFramer {
 public:
  static constexpr std::size_t default_max_line = 8191 + 512;
  explicit LineFramer(std::size_t max_line = default_max_line) : max_line_(max_line) {}

  void feed(std::string_view bytes);
  // The next complete line, without its line end; nullopt when more bytes are needed.
  std::optional<std::string> next_line();
  std::size_t discarded_lines() const { return discarded_lines_; }

 private:
  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;      // first unconsumed byte of buffer_
  bool discarding_ = false;    // inside an over-long line, waiting for its LF
  std::size_t discarded_lines_ = 0;
};

}  // namespace katabot::irc
