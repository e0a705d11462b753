#include "bot/scheduler/reminder_ledger.hpp"

#include <spdlog/spdlog.h>

#include "handlers/reply.hpp"

namespace katabot {
namespace {

constexpr std::string_view record_version = "v1";

}  // namespace

std::string format_ledger_record(const ReminderKey& key, const LedgerEntry& entry) {
  std::string line{record_version};
  for (const auto& field :
       {encode_log_field(key.meeting_id), std::to_string(key.occurrence.time_since_epoch().count()),
        std::to_string(key.offset.count()), encode_log_field(platform_name(key.platform)), encode_log_field(key.channel),
        std::string(entry.outcome == ReminderOutcome::sent ? "sent" : "skipped"),
        std::to_string(entry.recorded_at.time_since_epoch().count()), encode_log_field(entry.reason)}) {
    line += ' ';
    line += field;
  }
  return line;
}

std::string format_ledger_line(const ReminderKey& key, const LedgerEntry& entry) {
  return seal_log_line(format_ledger_record(key, entry));
}

bool parse_ledger_line(std::string_view line, ReminderKey& key, LedgerEntry& entry) {
  const auto body = unseal_log_line(line);
  return body && parse_ledger_record(*body, key, entry);
}

bool parse_ledger_record(std::string_view body, ReminderKey& key, LedgerEntry& entry) {
  const auto fields = split_log_fields(body);
  if (fields.size() != 9 || fields[0] != record_version) return false;
  std::int64_t occurrence = 0, offset = 0, recorded = 0;
  const auto meeting = decode_log_field(fields[1]);
  const auto platform = decode_log_field(fields[4]);
  const auto channel = decode_log_field(fields[5]);
  const auto reason = decode_log_field(fields[8]);
  if (!meeting || !platform || !channel || !reason || !parse_log_integer(fields[2], occurrence) ||
      !parse_log_integer(fields[3], offset) || !parse_log_integer(fields[7], recorded)) {
    return false;
  }
  if (fields[6] != "sent" && fields[6] != "skipped") return false;
  const auto known_platform = parse_platform(*platform);
  if (!known_platform) {
    // Written by a build with another adapter: this one cannot post there, so cannot use it.
    spdlog::warn("reminder ledger: a record of {} names the unknown platform \"{}\" (known: slack, irc, console)",
                 *meeting, single_line(*platform, 40));
    return false;
  }
  key = {*meeting, std::chrono::sys_seconds{std::chrono::seconds{occurrence}}, std::chrono::seconds{offset},
         *known_platform, *channel};
  entry = {fields[6] == "sent" ? ReminderOutcome::sent : ReminderOutcome::skipped, *reason,
           std::chrono::sys_seconds{std::chrono::seconds{recorded}}};
  return true;
}

ReminderLedger::ReminderLedger(std::filesystem::path state_dir)
    : state_dir_(std::move(state_dir)), log_(state_dir_ / file_name, "reminder ledger") {
  log_.load([this](std::string_view body) {
    ReminderKey key;
    LedgerEntry entry;
    if (!parse_ledger_record(body, key, entry)) return false;
    entries_[key] = entry;
    return true;
  });
  for (const auto& problem : log_.problems()) spdlog::warn("reminder ledger: {}", problem);
}

const LedgerEntry* ReminderLedger::find(const ReminderKey& key) const {
  const auto found = entries_.find(key);
  return found == entries_.end() ? nullptr : &found->second;
}

bool ReminderLedger::record(const ReminderKey& key, const LedgerEntry& entry) {
  entries_[key] = entry;
  return log_.append(format_ledger_record(key, entry));
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
  std::vector<std::string> bodies;
  for (const auto& [key, entry] : entries) bodies.push_back(format_ledger_record(key, entry));
  return log_.rewrite(bodies);
}

}  // namespace katabot
