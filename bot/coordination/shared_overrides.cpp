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

SharedOverrides::SharedOverrides(std::string key_prefix) : prefix_(std::move(key_prefix) + "overrides/") {}

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
  for (auto& change : std::exchange(carry_over_, {})) {
    if (change.date >= keep_from_ && !confirmed_.contains({change.meeting_id, change.date})) queue({false, std::move(change)});
  }
  return overrides() != before;
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
