#pragma once
// The admins' skips and moves shared by the replicas through etcd, without sockets (the driver is
// shared_overrides_sync): one key per (meeting, date) under `<key_prefix>overrides/`, its value
// the record the override log writes (format_override_record), an unskip a delete. Any replica
// writes (followers serve Slack commands too), so writes are not fenced by the leader epoch.
//
// What this replica shows is etcd's prefix as last loaded, with its own changes that etcd has not
// confirmed yet on top. A load older than a write this replica saw confirmed is stale and dropped
// (revisions order them). While the coordinator does not answer, changes are refused instead of
// being kept here alone, where the leader's reminders would never see them.
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "bot/coordination/etcd_codec.hpp"
#include "bot/override_store.hpp"

namespace katabot::coordination {

// Bounds on what a replica loads: admins make a few overrides a month; these are far above that.
constexpr std::int64_t max_shared_overrides = 500;
constexpr std::size_t max_override_key_bytes = 512;
constexpr std::size_t max_override_value_bytes = 1024;
// Changes waiting for etcd's answer; more are refused (the coordinator is too slow to trust).
constexpr std::size_t max_pending_override_writes = 16;

// `prefix` is `<key_prefix>overrides/`; the meeting id is percent-encoded like a log field.
std::string override_key(std::string_view prefix, std::string_view meeting_id, date::year_month_day day);

// "skip of architecture-committee on 2026-12-24", for messages.
std::string describe(const ScheduleChange& change);

// At most this many local overrides are copied into etcd (one transaction; etcd allows 128 operations).
constexpr std::size_t max_migrated_overrides = 100;

// A change for the driver to make in etcd: put `value` on `key`, or delete `key` when `value` is empty.
struct OverrideWrite {
  std::uint64_t id = 0;
  std::string key;
  std::string value;
  ScheduleChange change;
};

// The one-time copy of a replica's local overrides: `puts` (the marker first) in one transaction
// that succeeds only if none of its keys exists.
struct OverrideMigration {
  std::string marker_key;
  std::vector<std::pair<std::string, std::string>> puts;
  std::vector<OccurrenceOverride> copied;
};

class SharedOverrides : public OverrideStore {
 public:
  explicit SharedOverrides(std::string key_prefix);
  const std::string& prefix() const { return prefix_; }

  std::vector<OccurrenceOverride> overrides() const override;
  // In force here at once and queued for etcd while the coordinator answers; refused otherwise.
  SaveOutcome record(const ScheduleChange& change) override;
  // Hides the overrides dated before `keep_from`; expired_keys() lists them for deletion.
  void prune(date::year_month_day keep_from) override { keep_from_ = keep_from; }

  // Overrides this replica kept in its own file before it shared them (backend none until now).
  // They are copied into etcd once for the whole cluster: in one transaction with the marker key
  // `<key_prefix>overrides-migrated`, which must not exist yet. So the first replica that brings
  // future ones copies those etcd lacks; every later start (this replica's too) finds the marker
  // and copies nothing, and an override unskipped since stays unskipped.
  void carry_over(std::vector<OccurrenceOverride> local) { carry_over_ = std::move(local); }

  // ---- the driver's side; each returns whether overrides() or settled() changed ----
  // A range of the prefix. Bad keys and values are left out and told in problems().
  bool loaded(const RangeResult& range);
  // A load failed: writes are refused until one succeeds.
  void unreachable() { answering_ = false; }
  // The copy of the local overrides to make after a load, if any (until migrated() or etcd shows the marker).
  const OverrideMigration* migration() const { return migration_ ? &*migration_ : nullptr; }
  // The copy's transaction answered: made (at result.revision), or refused because another
  // replica copied first (the marker is there: nothing left to copy) or a key was written
  // meanwhile (the next load computes the copy again). True when it settled the store.
  bool migrated(const TxnResult& result);
  // The copy's transaction was not answered: the next load computes it again.
  void migration_unanswered() { migration_.reset(); }
  // The oldest change not yet written, if any.
  const OverrideWrite* next_write() const { return pending_.empty() ? nullptr : &pending_.front(); }
  // etcd made the write `id` at `revision`.
  bool confirmed(std::uint64_t id, std::int64_t revision);
  // etcd did not confirm the write `id`: it is taken back (the next load tells whether it landed).
  bool failed(std::uint64_t id);
  // Called when record() queued a write, so the driver wakes up.
  void on_recorded(std::function<void()> wake) { wake_ = std::move(wake); }

  // The keys of the last load dated before the prune date: past calls, to delete from etcd.
  const std::vector<std::string>& expired_keys() const { return expired_; }
  // What the last load left out, and why (for the log).
  const std::vector<std::string>& problems() const { return problems_; }
  bool answering() const { return answering_; }
  // Whether a load succeeded once: before, etcd's overrides are unknown and nothing may be
  // planned on what this replica shows.
  bool known() const { return known_; }
  // Known, with no copy of the local overrides left to make: the driver may poll at its leisure.
  bool settled() const { return known_ && carry_over_.empty(); }

 private:
  using Key = std::pair<std::string, date::year_month_day>;
  std::optional<OccurrenceOverride> read(const KeyValue& kv);
  void apply(const ScheduleChange& change, std::map<Key, OccurrenceOverride>& target) const;
  void queue(const ScheduleChange& change);
  void plan_migration(bool saw_every_key);

  std::string prefix_;
  std::string marker_key_;
  std::map<Key, OccurrenceOverride> confirmed_;  // etcd's, as of revision_
  std::int64_t revision_ = 0;
  std::deque<OverrideWrite> pending_;
  std::uint64_t next_id_ = 1;
  bool answering_ = false;  // until the first load succeeds, nothing is known to be shared
  bool known_ = false;
  date::year_month_day keep_from_ = date::year{1970} / 1 / 1;
  std::vector<std::string> expired_;
  std::vector<std::string> problems_;
  std::vector<OccurrenceOverride> carry_over_;
  std::optional<OverrideMigration> migration_;
  std::function<void()> wake_;
};

}  // namespace katabot::coordination
