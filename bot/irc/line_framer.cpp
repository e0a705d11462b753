#include "bot/irc/line_framer.hpp"

#include <algorithm>

namespace katabot::irc {

void LineFramer::feed(std::string_view bytes) {
  if (start_ > 0 && start_ >= buffer_.size() / 2) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
}

std::optional<std::string> LineFramer::next_line() {
  for (;;) {
    const auto end = buffer_.find('\n', start_);
    if (end == std::string::npos) {
      if (buffer_.size() - start_ > max_line_) {
        // Over-long and still no LF: drop what we have and skip the rest of this line when it comes.
        if (!discarding_) ++discarded_lines_;
        discarding_ = true;
        buffer_.clear();
        start_ = 0;
      }
      return std::nullopt;
    }
    std::string_view line(buffer_.data() + start_, end - start_);
    start_ = end + 1;
    if (discarding_) {
      discarding_ = false;
      continue;
    }
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.size() > max_line_) {
      ++discarded_lines_;
      continue;
    }
    std::string clean(line);
    clean.erase(std::remove(clean.begin(), clean.end(), '\0'), clean.end());
    if (clean.find_first_not_of(' ') == std::string::npos) continue;
    return clean;
  }
}

}  // namespace katabot::irc
