#pragma once
// A durable append-only text log of one-line records, each sealed with a CRC-32 so a torn or
// corrupt line is detected, reported and skipped. Shared by the reminder ledger and the meeting
// override log so both recover and compact the same way.
//
// Every append is fsync'd. A rewrite (compaction, or repairing a damaged file) writes a temporary
// file, fsyncs it, renames it over the log and fsyncs the directory: a crash at any step leaves
// either the old or the new file, never a mix.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace katabot {

// Fields are separated by spaces, so spaces, '%' and control bytes are percent-encoded; "-" is empty.
std::string encode_log_field(std::string_view text);
std::optional<std::string> decode_log_field(std::string_view text);
std::vector<std::string_view> split_log_fields(std::string_view body);
bool parse_log_integer(std::string_view text, std::int64_t& value);

// `body` plus a space and its checksum; unseal returns the body when the checksum matches.
std::string seal_log_line(std::string body);
std::optional<std::string_view> unseal_log_line(std::string_view line);

class SealedLog {
 public:
  // Far above what compaction leaves (a year of reminders is a few hundred KiB), bounding start-up.
  static constexpr std::size_t max_file_bytes = 64 * 1024 * 1024;

  // `what` names the log in messages ("reminder ledger").
  SealedLog(std::filesystem::path file, std::string what);

  // The sealed bodies of the file (the state directory is created if missing). Bad lines, a torn
  // last line and an interrupted compaction are reported in problems(); `parse` returning false
  // marks a line as bad too. A damaged file is rewritten without its bad lines, so the next append
  // is not glued to a torn one.
  template <typename Parse>
  void load(Parse parse) {
    for (const auto& [line_number, body] : read()) {
      if (parse(std::string_view(body))) {
        good_bodies_.push_back(body);
      } else {
        report_bad_line(line_number);
      }
    }
    report_damage();
    if (damaged_) repair();
    good_bodies_.clear();
  }

  // Appends and fsyncs one record body; false (and logged) when the disk write failed.
  bool append(std::string_view body);
  // Replaces the whole file atomically with these record bodies.
  bool rewrite(const std::vector<std::string>& bodies);

  std::size_t appended_since_rewrite() const { return appended_; }
  const std::vector<std::string>& problems() const { return problems_; }
  const std::filesystem::path& path() const { return file_; }

 private:
  std::vector<std::pair<std::size_t, std::string>> read();
  void report_bad_line(std::size_t line_number);
  void report_damage();
  void repair();

  std::filesystem::path file_;
  std::string what_;
  std::vector<std::string> problems_;
  std::vector<std::string> good_bodies_;
  // Bad lines are told as a count and the first few line numbers: a damaged disk must not flood the log.
  static constexpr std::size_t bad_lines_shown = 5;
  std::size_t bad_line_count_ = 0;
  std::vector<std::size_t> first_bad_lines_;
  std::optional<std::size_t> torn_line_;
  bool damaged_ = false;
  bool directory_synced_ = false;
  std::size_t appended_ = 0;
};

}  // namespace katabot
