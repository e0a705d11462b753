#pragma once
// The durable record of reminders already handled, so each is posted exactly once across restarts.
//
// A SealedLog in state_dir (one CRC-sealed record per line, fsync'd appends, atomic compaction):
// every append is on disk before the post counts as done.
//
// Ordering choice: a reminder is recorded after the platform accepted the post. A crash between the
// two may repeat that one post at the next start; recording first could lose it instead, and a
// reminder is better twice than never.
#include <chrono>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "bot/scheduler/reminder_key.hpp"
#include "bot/scheduler/sealed_log.hpp"

namespace katabot {

enum class ReminderOutcome { sent, skipped };

struct LedgerEntry {
  ReminderOutcome outcome = ReminderOutcome::sent;
  std::string reason;  // why it was skipped; empty when sent
  std::chrono::sys_seconds recorded_at;
};

class ReminderLedger {
 public:
  static constexpr const char* file_name = "reminders.ledger";

  // Loads the ledger from `state_dir` (created if missing). A damaged file is reported in
  // problems() and rewritten without its bad lines; it never throws for bad content.
  explicit ReminderLedger(std::filesystem::path state_dir);

  bool contains(const ReminderKey& key) const { return entries_.contains(key); }
  const LedgerEntry* find(const ReminderKey& key) const;
  std::size_t size() const { return entries_.size(); }

  // Appends and fsyncs one record. The entry is remembered even when the disk write fails (so this
  // process does not repeat the post); returns false and logs in that case.
  bool record(const ReminderKey& key, const LedgerEntry& entry);

  // Rewrites the file atomically with only the records whose occurrence is at or after `keep_since`.
  bool compact(std::chrono::sys_seconds keep_since);

  // Records appended since the last compaction, to decide when to compact again.
  std::size_t appended_since_compaction() const { return log_.appended_since_rewrite(); }

  // What was wrong with the file found at startup (one line each, with the line number).
  const std::vector<std::string>& problems() const { return log_.problems(); }

  std::filesystem::path path() const { return state_dir_ / file_name; }

 private:
  bool rewrite(const std::map<ReminderKey, LedgerEntry>& entries);

  std::filesystem::path state_dir_;
  SealedLog log_;
  std::map<ReminderKey, LedgerEntry> entries_;
};

// One ledger line (without the trailing '\n') and its inverse; nullopt when malformed or the
// checksum does not match. Exposed for tests.
std::string format_ledger_line(const ReminderKey& key, const LedgerEntry& entry);
bool parse_ledger_line(std::string_view line, ReminderKey& key, LedgerEntry& entry);
// The same without the checksum (what the SealedLog stores and hands back).
std::string format_ledger_record(const ReminderKey& key, const LedgerEntry& entry);
bool parse_ledger_record(std::string_view body, ReminderKey& key, LedgerEntry& entry);

}  // namespace katabot
