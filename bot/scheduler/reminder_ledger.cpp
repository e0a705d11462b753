#include "bot/scheduler/reminder_ledger.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include <spdlog/spdlog.h>

#include "knowledge/regular_file.hpp"

namespace katabot {
namespace {

constexpr std::string_view record_version = "v1";
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

// Fields are separated by spaces, so spaces, '%' and control bytes are percent-encoded.
std::string encode_field(std::string_view text) {
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

std::optional<std::string> decode_field(std::string_view text) {
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

template <typename Integer>
bool parse_integer(std::string_view text, Integer& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> fields;
  while (!line.empty()) {
    const auto space = line.find(' ');
    fields.push_back(line.substr(0, space));
    if (space == std::string_view::npos) break;
    line.remove_prefix(space + 1);
  }
  return fields;
}

std::string errno_text() { return std::strerror(errno); }

// The corrupt records of a ledger, told as a count and the first few line numbers.
class CorruptLines {
 public:
  void add(std::size_t line) {
    if (count_++ < shown) first_.push_back(line);
  }
  std::size_t count() const { return count_; }
  // "ledger:2: 3 corrupt records (bad format or checksum) ignored, at lines 2, 5, 9"
  std::string summary(const std::string& file) const {
    auto text = file + ":" + std::to_string(first_.front()) + ": " + std::to_string(count_);
    text += count_ == 1 ? " corrupt record" : " corrupt records";
    text += " (bad format or checksum) ignored, ";
    text += count_ > shown ? "first at lines " : count_ == 1 ? "at line " : "at lines ";
    for (std::size_t i = 0; i < first_.size(); ++i) {
      if (i > 0) text += ", ";
      text += std::to_string(first_[i]);
    }
    if (count_ > shown) text += ", …";
    return text;
  }

 private:
  static constexpr std::size_t shown = 5;
  std::size_t count_ = 0;
  std::vector<std::size_t> first_;
};

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

}  // namespace

std::string format_ledger_line(const ReminderKey& key, const LedgerEntry& entry) {
  std::string line{record_version};
  for (const auto& field :
       {encode_field(key.meeting_id), std::to_string(key.occurrence.time_since_epoch().count()),
        std::to_string(key.offset.count()), encode_field(key.platform), encode_field(key.channel),
        std::string(entry.outcome == ReminderOutcome::sent ? "sent" : "skipped"),
        std::to_string(entry.recorded_at.time_since_epoch().count()), encode_field(entry.reason)}) {
    line += ' ';
    line += field;
  }
  return line + ' ' + hex32(crc32(line));
}

bool parse_ledger_line(std::string_view line, ReminderKey& key, LedgerEntry& entry) {
  const auto last_space = line.rfind(' ');
  if (last_space == std::string_view::npos) return false;
  if (line.substr(last_space + 1) != hex32(crc32(line.substr(0, last_space)))) return false;
  const auto fields = split_spaces(line.substr(0, last_space));
  if (fields.size() != 9 || fields[0] != record_version) return false;
  std::int64_t occurrence = 0, offset = 0, recorded = 0;
  const auto meeting = decode_field(fields[1]);
  const auto platform = decode_field(fields[4]);
  const auto channel = decode_field(fields[5]);
  const auto reason = decode_field(fields[8]);
  if (!meeting || !platform || !channel || !reason || !parse_integer(fields[2], occurrence) ||
      !parse_integer(fields[3], offset) || !parse_integer(fields[7], recorded)) {
    return false;
  }
  if (fields[6] != "sent" && fields[6] != "skipped") return false;
  key = {*meeting, std::chrono::sys_seconds{std::chrono::seconds{occurrence}}, std::chrono::seconds{offset}, *platform,
         *channel};
  entry = {fields[6] == "sent" ? ReminderOutcome::sent : ReminderOutcome::skipped, *reason,
           std::chrono::sys_seconds{std::chrono::seconds{recorded}}};
  return true;
}

ReminderLedger::ReminderLedger(std::filesystem::path state_dir) : state_dir_(std::move(state_dir)) {
  load();
  for (const auto& problem : problems_) spdlog::warn("reminder ledger: {}", problem);
}

const LedgerEntry* ReminderLedger::find(const ReminderKey& key) const {
  const auto found = entries_.find(key);
  return found == entries_.end() ? nullptr : &found->second;
}

void ReminderLedger::load() {
  std::error_code error;
  std::filesystem::create_directories(state_dir_, error);
  if (error) problems_.push_back(state_dir_.string() + ": cannot create state directory: " + error.message());

  // A temporary file means a compaction was interrupted before its rename: the ledger itself is
  // still the complete old version, so the leftover is simply dropped.
  auto temp = path();
  temp += temp_suffix;
  if (std::filesystem::remove(temp, error)) {
    problems_.push_back(temp.string() + ": removed a temporary file left by an interrupted compaction");
  }

  if (!std::filesystem::exists(path(), error)) return;
  const auto file = read_regular_file(path(), max_file_bytes);
  if (!file.problem.empty()) {
    problems_.push_back(path().string() + ": " + file.problem + "; cannot read the ledger, reminders already posted may repeat");
    return;
  }
  const auto& text = file.text;

  CorruptLines corrupt;
  std::optional<std::size_t> torn_line;
  std::size_t line_number = 0;
  for (std::size_t start = 0; start < text.size();) {
    ++line_number;
    const auto end = text.find('\n', start);
    if (end == std::string::npos) {
      torn_line = line_number;
      break;
    }
    ReminderKey key;
    LedgerEntry entry;
    if (parse_ledger_line(std::string_view(text).substr(start, end - start), key, entry)) {
      entries_[key] = entry;
    } else {
      corrupt.add(line_number);
    }
    start = end + 1;
  }
  // One summary however many lines are bad: a damaged disk must not flood the log.
  if (corrupt.count() > 0) problems_.push_back(corrupt.summary(path().string()));
  if (torn_line) {
    problems_.push_back(path().string() + ":" + std::to_string(*torn_line) + ": incomplete last record (torn write), ignored");
  }
  const bool damaged = corrupt.count() > 0 || torn_line;
  // Appending after a torn line would glue the next record onto it: repair the file first.
  if (damaged && rewrite(entries_)) spdlog::warn("reminder ledger: rewrote {} without the bad records", path().string());
}

bool ReminderLedger::record(const ReminderKey& key, const LedgerEntry& entry) {
  entries_[key] = entry;
  const auto line = format_ledger_line(key, entry) + '\n';
  // O_NONBLOCK: a FIFO put at the ledger path fails the append instead of blocking the event loop.
  const int fd = ::open(path().c_str(), O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::error("reminder ledger: cannot open {}: {}", path().string(), errno_text());
    return false;
  }
  const bool ok = write_all(fd, line) && ::fsync(fd) == 0;
  if (!ok) spdlog::error("reminder ledger: cannot write {}: {}", path().string(), errno_text());
  ::close(fd);
  // The first append may have created the file: its directory entry must be durable too.
  if (ok && !directory_synced_) directory_synced_ = fsync_directory(state_dir_);
  ++appended_;
  return ok;
}

bool ReminderLedger::compact(std::chrono::sys_seconds keep_since) {
  std::map<ReminderKey, LedgerEntry> kept;
  for (const auto& [key, entry] : entries_) {
    if (key.occurrence >= keep_since) kept.emplace(key, entry);
  }
  if (!rewrite(kept)) return false;
  entries_ = std::move(kept);
  return true;
}

bool ReminderLedger::rewrite(const std::map<ReminderKey, LedgerEntry>& entries) {
  auto temp = path();
  temp += temp_suffix;
  std::string text;
  for (const auto& [key, entry] : entries) text += format_ledger_line(key, entry) + '\n';
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    spdlog::error("reminder ledger: cannot create {}: {}", temp.string(), errno_text());
    return false;
  }
  const bool written = write_all(fd, text) && ::fsync(fd) == 0;
  ::close(fd);
  if (!written || std::rename(temp.c_str(), path().c_str()) != 0) {
    spdlog::error("reminder ledger: cannot replace {}: {}", path().string(), errno_text());
    std::error_code ignored;
    std::filesystem::remove(temp, ignored);
    return false;
  }
  directory_synced_ = fsync_directory(state_dir_);
  if (!directory_synced_) spdlog::warn("reminder ledger: cannot fsync {}", state_dir_.string());
  appended_ = 0;
  return true;
}

}  // namespace katabot
