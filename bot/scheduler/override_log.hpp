#pragma once
// The skips and moves admins made from chat, kept in state_dir as a SealedLog (CRC-sealed lines,
// fsync'd appends, atomic compaction) so they survive restarts and never touch meetings.yaml.
// Each record sets or clears the override of one (meeting, date); the last record wins.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "bot/override_store.hpp"
#include "bot/scheduler/sealed_log.hpp"

namespace katabot {

class OverrideLog : public OverrideStore {
 public:
  static constexpr const char* file_name = "overrides.log";

  // Loads `state_dir`/overrides.log; bad lines are reported in problems() and dropped.
  explicit OverrideLog(const std::filesystem::path& state_dir);

  std::vector<OccurrenceOverride> overrides() const override;
  SaveOutcome record(const ScheduleChange& change) override;
  void prune(date::year_month_day keep_from) override { compact(keep_from); }

  // Appends and fsyncs; the change is in force even when the disk write fails (returns false).
  bool set(const OccurrenceOverride& change);
  bool clear(const std::string& meeting_id, date::year_month_day day);

  // Rewrites the file with only the overrides dated on or after `keep_from`.
  bool compact(date::year_month_day keep_from);

  const std::vector<std::string>& problems() const { return log_.problems(); }
  const std::filesystem::path& path() const { return log_.path(); }

 private:
  using Key = std::pair<std::string, date::year_month_day>;
  bool parse(std::string_view body);

  SealedLog log_;
  std::map<Key, OccurrenceOverride> in_force_;
};

// One record body and its inverse; the same format is the value of an override shared in etcd.
std::string format_override_record(const OccurrenceOverride& change);
std::string format_clear_record(const std::string& meeting_id, date::year_month_day day);

// A record read back: the override it sets, or none when it clears that (meeting, date).
struct OverrideRecord {
  std::string meeting_id;
  date::year_month_day date;
  std::optional<OccurrenceOverride> change;
};
std::optional<OverrideRecord> parse_override_record(std::string_view body);

}  // namespace katabot
