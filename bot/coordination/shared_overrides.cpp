#include "bot/coordination/shared_overrides.hpp"

#include <algorithm>

#include "bot/scheduler/override_log.hpp"
#include "bot/scheduler/sealed_log.hpp"

namespace katabot::coordination {

std::string describe(const ScheduleChange& change) {
  const auto what = change.clear ? "unskip" : change.change.kind == OccurrenceOverride::Kind::skip ? "skip" : "move";
  return std::string(what) + " of " + change.change.meeting_id + " on " + date::format("%F", change.change.date);
}

std::string override_key(std::string_view prefix, std::string_view meeting_id, date::year_month_day day) {
  return std::string(prefix) + encode_log_field(meeting_id) + '/' + date::format("%F", day);
}

SharedOverrides::SharedOverrides(std::string key_prefix)
    : prefix_(key_prefix + "overrides/"), marker_key_(std::move(key_prefix) + "overrides-migrated") {}

std::vector<OccurrenceOverride> SharedOverrides::overrides() const {
  auto in_force = confirmed_;
  for (const auto& write : pending_) apply(write.change, in_force);
  std::vector<OccurrenceOverride> all;
  for (auto& [key, change] : in_force) {
    if (change.date >= keep_from_) all.push_back(std::move(change));
  }
  return all;
}

SaveOutcome SharedOverrides::record(const ScheduleChange& change) {
  if (!answering_) {
    return {false, "Could not save the " + describe(change) +
                       ": the coordinator (etcd) did not answer. Nothing changed; try again in a moment."};
  }
  if (pending_.size() >= max_pending_override_writes) {
    return {false, "Could not save the " + describe(change) + ": " + std::to_string(pending_.size()) +
                       " changes are still waiting for the coordinator (etcd). Nothing changed; try again in a moment."};
  }
  queue(change);
  return {};
}

void SharedOverrides::queue(const ScheduleChange& change) {
  const auto& target = change.change;
  pending_.push_back({next_id_++, override_key(prefix_, target.meeting_id, target.date),
                      change.clear ? std::string() : format_override_record(target), change});
  if (wake_) wake_();
}

void SharedOverrides::apply(const ScheduleChange& change, std::map<Key, OccurrenceOverride>& target) const {
  const Key key{change.change.meeting_id, change.change.date};
  if (change.clear) {
    target.erase(key);
  } else {
    target[key] = change.change;
  }
}

std::optional<OccurrenceOverride> SharedOverrides::read(const KeyValue& kv) {
  const auto refuse = [&](const std::string& why) -> std::optional<OccurrenceOverride> {
    problems_.push_back("key '" + encode_log_field(kv.key.substr(0, max_override_key_bytes)) + "': " + why);
    return std::nullopt;
  };
  if (kv.key.size() > max_override_key_bytes) return refuse("key over " + std::to_string(max_override_key_bytes) + " bytes");
  if (kv.value.size() > max_override_value_bytes) {
    return refuse("value of " + std::to_string(kv.value.size()) + " bytes is over " +
                  std::to_string(max_override_value_bytes));
  }
  auto record = parse_override_record(kv.value);
  if (!record || !record->change) return refuse("value is not a skip or move record");
  if (kv.key != override_key(prefix_, record->meeting_id, record->date)) {
    return refuse("the key does not match its record's meeting and date");
  }
  return std::move(record->change);
}

bool SharedOverrides::loaded(const RangeResult& range) {
  answering_ = true;
  if (range.revision < revision_) return false;  // older than a write already confirmed here
  const auto before = overrides();
  problems_.clear();
  expired_.clear();
  std::map<Key, OccurrenceOverride> loaded;
  for (const auto& kv : range.kvs) {
    auto change = read(kv);
    if (!change) continue;
    if (change->date < keep_from_) expired_.push_back(kv.key);
    Key key{change->meeting_id, change->date};
    loaded[std::move(key)] = std::move(*change);
  }
  if (range.more) {
    problems_.push_back("more than " + std::to_string(max_shared_overrides) + " overrides under '" + prefix_ +
                        "': only the first ones by key are used");
  }
  confirmed_ = std::move(loaded);
  revision_ = range.revision;
  const bool was_settled = settled();
  known_ = true;
  plan_migration(!range.more);
  return overrides() != before || settled() != was_settled;
}

void SharedOverrides::plan_migration(bool saw_every_key) {
  migration_.reset();
  if (!carry_over_.empty() && !saw_every_key) {
    // What etcd lacks is unknown: a copy refused for a key beyond the limit would be retried forever
    // while the leader's reminders wait for it.
    problems_.push_back("the local overrides are not copied into etcd: it holds more than it loads");
    carry_over_.clear();
  }
  std::vector<OccurrenceOverride> lacking;
  for (const auto& change : carry_over_) {
    if (change.date >= keep_from_ && !confirmed_.contains({change.meeting_id, change.date})) lacking.push_back(change);
  }
  if (lacking.empty()) {
    carry_over_.clear();  // etcd has them all (or they are past): nothing to copy, no marker needed
    return;
  }
  if (lacking.size() > max_migrated_overrides) {
    problems_.push_back("only the first " + std::to_string(max_migrated_overrides) + " of " + std::to_string(lacking.size()) +
                        " local overrides are copied into etcd");
    lacking.resize(max_migrated_overrides);
  }
  OverrideMigration migration{marker_key_, {{marker_key_, std::to_string(lacking.size()) + " overrides copied"}}, {}};
  for (auto& change : lacking) {
    migration.puts.emplace_back(override_key(prefix_, change.meeting_id, change.date), format_override_record(change));
    migration.copied.push_back(std::move(change));
  }
  migration_ = std::move(migration);
}

bool SharedOverrides::migrated(const TxnResult& result) {
  if (!migration_) return false;
  auto migration = *std::exchange(migration_, std::nullopt);
  if (!result.succeeded) {
    const bool copied_elsewhere =
        std::any_of(result.ranged.begin(), result.ranged.end(), [&](const auto& kv) { return kv.key == marker_key_; });
    if (!copied_elsewhere) return false;
    carry_over_.clear();
    return true;  // settled: the leader's reminders may now be planned
  }
  carry_over_.clear();
  if (result.revision <= revision_) return true;  // a load at or after it already holds the copy; settled now
  for (auto& change : migration.copied) apply({false, std::move(change)}, confirmed_);
  revision_ = result.revision;
  return true;
}

bool SharedOverrides::confirmed(std::uint64_t id, std::int64_t revision) {
  answering_ = true;
  const auto before = overrides();
  const auto write = std::find_if(pending_.begin(), pending_.end(), [&](const auto& w) { return w.id == id; });
  if (write == pending_.end()) return false;
  // A load at or after this revision already holds the write (or something newer on its key).
  if (revision > revision_) {
    apply(write->change, confirmed_);
    revision_ = revision;
  }
  pending_.erase(write);
  return overrides() != before;
}

bool SharedOverrides::failed(std::uint64_t id) {
  answering_ = false;
  const auto before = overrides();
  std::erase_if(pending_, [&](const auto& write) { return write.id == id; });
  return overrides() != before;
}

}  // namespace katabot::coordination
