#include "bot/scheduler/sealed_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <spdlog/spdlog.h>

#include "knowledge/regular_file.hpp"

namespace katabot {
namespace {

constexpr std::string_view temp_suffix = ".tmp";

std::uint32_t crc32(std::string_view data) {
  static const auto table = [] {
    std::array<std::uint32_t, 256> entries{};
    for (std::uint32_t i = 0; i < 256; ++i) {
      std::uint32_t c = i;
      for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      entries[i] = c;
    }
    return entries;
  }();
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const unsigned char byte : data) crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8);
  return crc ^ 0xFFFFFFFFu;
}

std::string hex32(std::uint32_t value) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string text(8, '0');
  for (int i = 7; i >= 0; --i, value >>= 4) text[static_cast<std::size_t>(i)] = digits[value & 0xF];
  return text;
}

std::string errno_text() { return std::strerror(errno); }

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const auto written = ::write(fd, data.data(), data.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

// A rename is durable only once the directory entry itself is on disk.
bool fsync_directory(const std::filesystem::path& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool ok = ::fsync(fd) == 0;
  ::close(fd);
  return ok;
}

std::filesystem::path temp_path(const std::filesystem::path& file) {
  auto temp = file;
  temp += temp_suffix;
  return temp;
}

}  // namespace

std::string encode_log_field(std::string_view text) {
  if (text.empty()) return "-";
  if (text == "-") return "%2D";
  std::string encoded;
  for (const unsigned char c : text) {
    if (c <= ' ' || c == '%' || c == 0x7F) {
      static constexpr char digits[] = "0123456789ABCDEF";
      encoded += '%';
      encoded += digits[c >> 4];
      encoded += digits[c & 0xF];
    } else {
      encoded += static_cast<char>(c);
    }
  }
  return encoded;
}

std::optional<std::string> decode_log_field(std::string_view text) {
  if (text == "-") return std::string{};
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      decoded += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) return std::nullopt;
    const auto [end, error] = std::from_chars(text.data() + i + 1, text.data() + i + 3, value, 16);
    if (error != std::errc{} || end != text.data() + i + 3) return std::nullopt;
    decoded += static_cast<char>(value);
    i += 2;
  }
  return decoded;
}

bool parse_log_integer(std::string_view text, std::int64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

std::vector<std::string_view> split_log_fields(std::string_view body) {
  std::vector<std::string_view> fields;
  while (!body.empty()) {
    const auto space = body.find(' ');
    fields.push_back(body.substr(0, space));
    if (space == std::string_view::npos) break;
    body.remove_prefix(space + 1);
  }
  return fields;
}

std::string seal_log_line(std::string body) {
  const auto checksum = hex32(crc32(body));
  return body + ' ' + checksum;
}

std::optional<std::string_view> unseal_log_line(std::string_view line) {
  const auto last_space = line.rfind(' ');
  if (last_space == std::string_view::npos) return std::nullopt;
  const auto body = line.substr(0, last_space);
  if (line.substr(last_space + 1) != hex32(crc32(body))) return std::nullopt;
  return body;
}

SealedLog::SealedLog(std::filesystem::path file, std::string what) : file_(std::move(file)), what_(std::move(what)) {}

std::vector<std::pair<std::size_t, std::string>> SealedLog::read() {
  std::vector<std::pair<std::size_t, std::string>> bodies;
  std::error_code error;
  const auto dir = file_.parent_path();
  std::filesystem::create_directories(dir, error);
  if (error) problems_.push_back(dir.string() + ": cannot create state directory: " + error.message());

  // A temporary file means a compaction was interrupted before its rename: the log itself is
  // still the complete old version, so the leftover is simply dropped.
  const auto temp = temp_path(file_);
  if (std::filesystem::remove(temp, error)) {
    problems_.push_back(temp.string() + ": removed a temporary file left by an interrupted compaction");
  }

  if (!std::filesystem::exists(file_, error)) return bodies;
  const auto file = read_regular_file(file_, max_file_bytes);
  if (!file.problem.empty()) {
    problems_.push_back(file_.string() + ": " + file.problem + "; cannot read the " + what_ + ", its records are not in use");
    return bodies;
  }
  const auto& text = file.text;

  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    ++line_number;
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      torn_line_ = line_number;
      damaged_ = true;
      break;
    }
    if (const auto body = unseal_log_line(std::string_view(text).substr(start, end - start))) {
      bodies.emplace_back(line_number, std::string(*body));
    } else {
      report_bad_line(line_number);
    }
    start = end + 1;
  }
  return bodies;
}

void SealedLog::report_bad_line(std::size_t line_number) {
  if (bad_line_count_++ < bad_lines_shown) first_bad_lines_.push_back(line_number);
  damaged_ = true;
}

// "ledger:2: 3 corrupt records (bad format or checksum) ignored, at lines 2, 5, 9"
void SealedLog::report_damage() {
  if (bad_line_count_ > 0) {
    auto text = file_.string() + ":" + std::to_string(first_bad_lines_.front()) + ": " + std::to_string(bad_line_count_);
    text += bad_line_count_ == 1 ? " corrupt record" : " corrupt records";
    text += " (bad format or checksum) ignored, ";
    text += bad_line_count_ > bad_lines_shown ? "first at lines " : bad_line_count_ == 1 ? "at line " : "at lines ";
    for (std::size_t i = 0; i < first_bad_lines_.size(); ++i) text += (i > 0 ? ", " : "") + std::to_string(first_bad_lines_[i]);
    if (bad_line_count_ > bad_lines_shown) text += ", …";
    problems_.push_back(text);
  }
  if (torn_line_) {
    problems_.push_back(file_.string() + ":" + std::to_string(*torn_line_) + ": incomplete last record (torn write), ignored");
  }
  bad_line_count_ = 0;
  first_bad_lines_.clear();
  torn_line_.reset();
}

void SealedLog::repair() {
  if (rewrite(good_bodies_)) spdlog::warn("{}: rewrote {} without the bad records", what_, file_.string());
  damaged_ = false;
}

bool SealedLog::append(std::string_view body) {
  const auto line = seal_log_line(std::string(body)) + '\n';
  // O_NONBLOCK: a FIFO put at the log's path fails the append instead of blocking the event loop.
  const int fd = ::open(file_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::error("{}: cannot open {}: {}", what_, file_.string(), errno_text());
    return false;
  }
  const bool ok = write_all(fd, line) && ::fsync(fd) == 0;
  if (!ok) spdlog::error("{}: cannot write {}: {}", what_, file_.string(), errno_text());
  ::close(fd);
  // The first append may have created the file: its directory entry must be durable too.
  if (ok && !directory_synced_) directory_synced_ = fsync_directory(file_.parent_path());
  ++appended_;
  return ok;
}

bool SealedLog::rewrite(const std::vector<std::string>& bodies) {
  const auto temp = temp_path(file_);
  std::string text;
  for (const auto& body : bodies) text += seal_log_line(body) + '\n';
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::error("{}: cannot create {}: {}", what_, temp.string(), errno_text());
    return false;
  }
  const bool written = write_all(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temp.c_str(), file_.c_str()) != 0) {
    spdlog::error("{}: cannot replace {}: {}", what_, file_.string(), errno_text());
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return false;
  }
  directory_synced_ = fsync_directory(file_.parent_path());
  if (!directory_synced_) spdlog::warn("{}: cannot fsync {}", what_, file_.parent_path().string());
  appended_ = 0;
  return true;
}

}  // namespace katabot
