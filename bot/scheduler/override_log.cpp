#include "bot/scheduler/override_log.hpp"

#include <spdlog/spdlog.h>

#include "handlers/time_format.hpp"
#include "knowledge/meetings.hpp"
#include "knowledge/provenance_reader.hpp"

namespace katabot {
namespace {

constexpr std::string_view record_version = "v1";

std::string iso_date(date::year_month_day day) { return date::format("%F", day); }

// "2026-12-24T15:30": the wall-clock start of a moved occurrence.
std::optional<date::local_seconds> parse_local_time(std::string_view text) {
  const auto separator = text.find('T');
  if (separator == std::string_view::npos) return std::nullopt;
  const auto day = parse_iso_date(std::string(text.substr(0, separator)));
  const auto time = parse_time_of_day(std::string(text.substr(separator + 1)));
  if (!day || !time) return std::nullopt;
  return date::local_days{*day} + *time;
}

}  // namespace

std::string format_override_record(const OccurrenceOverride& change) {
  std::string body{record_version};
  body += ' ';
  body += change.kind == OccurrenceOverride::Kind::skip ? "skip" : "move";
  body += ' ' + encode_log_field(change.meeting_id) + ' ' + iso_date(change.date);
  if (change.kind == OccurrenceOverride::Kind::skip) return body + ' ' + encode_log_field(change.reason);
  return body + ' ' + date::format("%FT%H:%M", change.moved_start) + ' ' + encode_log_field(change.moved_zone->name());
}

std::string format_clear_record(const std::string& meeting_id, date::year_month_day day) {
  return std::string(record_version) + " clear " + encode_log_field(meeting_id) + ' ' + iso_date(day);
}

OverrideLog::OverrideLog(const std::filesystem::path& state_dir) : log_(state_dir / file_name, "override log") {
  log_.load([this](std::string_view body) { return parse(body); });
  for (const auto& problem : log_.problems()) spdlog::warn("override log: {}", problem);
}

std::optional<OverrideRecord> parse_override_record(std::string_view body) {
  const auto fields = split_log_fields(body);
  if (fields.size() < 4 || fields[0] != record_version) return std::nullopt;
  const auto meeting = decode_log_field(fields[2]);
  const auto day = parse_iso_date(std::string(fields[3]));
  if (!meeting || meeting->empty() || !day) return std::nullopt;
  if (fields[1] == "clear" && fields.size() == 4) return OverrideRecord{*meeting, *day, std::nullopt};
  OccurrenceOverride change{*meeting, *day};
  if (fields[1] == "skip" && fields.size() == 5) {
    const auto reason = decode_log_field(fields[4]);
    if (!reason) return std::nullopt;
    change.reason = *reason;
  } else if (fields[1] == "move" && fields.size() == 6) {
    const auto start = parse_local_time(fields[4]);
    const auto zone_name = decode_log_field(fields[5]);
    if (!start || !zone_name) return std::nullopt;
    change.kind = OccurrenceOverride::Kind::move;
    change.moved_start = *start;
    change.moved_zone = find_zone(*zone_name);
    if (change.moved_zone == nullptr) return std::nullopt;
  } else {
    return std::nullopt;
  }
  return OverrideRecord{*meeting, *day, std::move(change)};
}

bool OverrideLog::parse(std::string_view body) {
  auto record = parse_override_record(body);
  if (!record) return false;
  if (record->change) {
    in_force_[{record->meeting_id, record->date}] = std::move(*record->change);
  } else {
    in_force_.erase({record->meeting_id, record->date});
  }
  return true;
}

std::vector<OccurrenceOverride> OverrideLog::overrides() const {
  std::vector<OccurrenceOverride> all;
  for (const auto& [key, change] : in_force_) all.push_back(change);
  return all;
}

bool OverrideLog::set(const OccurrenceOverride& change) {
  in_force_[{change.meeting_id, change.date}] = change;
  return log_.append(format_override_record(change));
}

bool OverrideLog::clear(const std::string& meeting_id, date::year_month_day day) {
  in_force_.erase({meeting_id, day});
  return log_.append(format_clear_record(meeting_id, day));
}

SaveOutcome OverrideLog::record(const ScheduleChange& change) {
  const bool written = change.clear ? clear(change.change.meeting_id, change.change.date) : set(change.change);
  if (written) return {};
  return {true, "the change could not be saved to disk; it is lost at the next restart."};
}

bool OverrideLog::compact(date::year_month_day keep_from) {
  std::erase_if(in_force_, [&](const auto& entry) { return entry.first.second < keep_from; });
  std::vector<std::string> bodies;
  for (const auto& [key, change] : in_force_) bodies.push_back(format_override_record(change));
  return log_.rewrite(bodies);
}

}  // namespace katabot
