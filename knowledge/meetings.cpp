#include "knowledge/meetings.hpp"

#include <array>
#include <charconv>
#include <cstdint>
#include <regex>

#include "knowledge/provenance_reader.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

constexpr std::array<std::string_view, 7> weekday_names{"sunday",   "monday", "tuesday", "wednesday",
                                                        "thursday", "friday", "saturday"};

std::optional<date::weekday> parse_weekday(std::string_view text) {
  const auto lowered = ascii_lower(text);
  for (unsigned i = 0; i < weekday_names.size(); ++i) {
    if (lowered == weekday_names[i] || (lowered.size() == 3 && weekday_names[i].starts_with(lowered))) {
      return date::weekday{i};
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::chrono::minutes> parse_time_of_day(const std::string& text) {
  static const std::regex pattern("([01]?[0-9]|2[0-3]):([0-5][0-9])");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) return std::nullopt;
  return std::chrono::hours(std::stoi(match[1])) + std::chrono::minutes(std::stoi(match[2]));
}

namespace {

std::optional<Frequency> parse_frequency(std::string_view text) {
  if (text == "weekly") return Frequency::weekly;
  if (text == "biweekly-even") return Frequency::biweekly_even;
  if (text == "biweekly-odd") return Frequency::biweekly_odd;
  return std::nullopt;
}

void read_announce(YamlReader& reader, const YAML::Node& node, Meeting& meeting) {
  const auto announce = node["announce"];
  if (!announce || announce.IsNull() || !reader.expect_map(announce, "'announce'")) return;
  reader.reject_unknown_keys(announce, {"slack", "irc"}, "announce");
  meeting.announce_slack = reader.optional_string_list(announce, "slack");
  meeting.announce_irc = reader.optional_string_list(announce, "irc");
}

void read_reminders(YamlReader& reader, const YAML::Node& node, Meeting& meeting) {
  const auto reminders = node["reminders"];
  if (!reminders || reminders.IsNull() || !reader.expect_sequence(reminders, "'reminders'")) return;
  for (const auto& item : reminders) {
    const auto text = item.as<std::string>("");
    const auto offset = parse_duration(text);
    if (!offset || *offset <= std::chrono::seconds::zero()) {
      reader.error(item, "reminder '" + text + "' is not a duration like 24h, 15m, 1d or 90s (at most " +
                             format_duration(longest_duration) + ")");
      continue;
    }
    meeting.reminders.push_back(*offset);
  }
}

void read_skip_dates(YamlReader& reader, const YAML::Node& node, Meeting& meeting) {
  const auto skip = node["skip"];
  if (!skip || skip.IsNull() || !reader.expect_sequence(skip, "'skip'")) return;
  for (const auto& item : skip) {
    const auto text = item.as<std::string>("");
    const auto day = parse_iso_date(text);
    if (!day) {
      reader.error(item, "skip date '" + text + "' is not a date like 2026-12-24");
      continue;
    }
    meeting.skip.push_back(*day);
  }
}

void read_meeting(YamlReader& reader, const YAML::Node& node, std::vector<Meeting>& meetings) {
  if (!reader.expect_map(node, "a meeting")) return;
  reader.reject_unknown_keys(node,
                             {"id", "title", "description", "day", "time", "timezone", "frequency", "duration_minutes",
                              "agenda", "join", "reminders", "skip", "announce", "keywords", "source", "checked"},
                             "meeting");
  Meeting meeting;
  meeting.id = reader.required_string(node, "id", "meeting").value_or("");
  const auto where = "meeting '" + meeting.id + "'";
  meeting.title = reader.required_string(node, "title", where).value_or("");
  meeting.description = reader.optional_string(node, "description");
  meeting.keywords = reader.string_list(node, "keywords");
  meeting.provenance = read_provenance(reader, node, where);

  if (const auto day = reader.required_string(node, "day", where)) {
    if (const auto weekday = parse_weekday(*day)) {
      meeting.day = *weekday;
    } else {
      reader.error(node["day"], "'" + *day + "' is not a weekday (monday … sunday)");
    }
  }
  if (const auto time = reader.required_string(node, "time", where)) {
    if (const auto minutes = parse_time_of_day(*time)) {
      meeting.time_of_day = *minutes;
    } else {
      reader.error(node["time"], "time '" + *time + "' is not HH:MM (quote it in YAML: \"13:00\")");
    }
  }
  const auto zone_name = reader.optional_string(node, "timezone", "UTC");
  try {
    meeting.zone = date::locate_zone(zone_name);
  } catch (const std::exception&) {
    reader.error(node["timezone"] ? node["timezone"] : node, "unknown time zone '" + zone_name +
                                                                 "' (use an IANA name such as UTC or Europe/Berlin)");
  }
  const auto frequency = reader.optional_string(node, "frequency", "weekly");
  if (const auto parsed = parse_frequency(frequency)) {
    meeting.frequency = *parsed;
  } else {
    reader.error(node["frequency"], "frequency '" + frequency + "' must be weekly, biweekly-even or biweekly-odd");
  }
  if (const auto minutes = reader.optional_integer(node, "duration_minutes")) {
    if (*minutes <= 0 || *minutes > 24 * 60) {
      reader.error(node["duration_minutes"], "duration_minutes must be between 1 and 1440");
    } else {
      meeting.duration = std::chrono::minutes(*minutes);
    }
  }
  for (const auto* key : {"agenda", "join"}) {
    auto value = reader.optional_string(node, key);
    if (!value.empty() && !is_valid_url(value)) {
      reader.error(node[key], "malformed URL '" + value + "' in '" + key + "'");
    }
    (std::string_view(key) == "agenda" ? meeting.agenda : meeting.join) = std::move(value);
  }
  read_reminders(reader, node, meeting);
  read_skip_dates(reader, node, meeting);
  read_announce(reader, node, meeting);

  for (const auto& other : meetings) {
    if (!meeting.id.empty() && other.id == meeting.id) reader.error(node["id"], "duplicate meeting id '" + meeting.id + "'");
  }
  meetings.push_back(std::move(meeting));
}

std::vector<Meeting> read_meetings(YamlReader& reader, const YAML::Node& root) {
  std::vector<Meeting> meetings;
  if (!reader.expect_map(root, "the meetings file")) return meetings;
  reader.reject_unknown_keys(root, {"meetings"}, "the meetings file");
  const auto list = root["meetings"];
  if (!list) {
    reader.error(root, "missing key 'meetings'");
    return meetings;
  }
  if (!reader.expect_sequence(list, "'meetings'")) return meetings;
  for (const auto& node : list) read_meeting(reader, node, meetings);
  return meetings;
}

}  // namespace

std::optional<std::chrono::seconds> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::chrono::seconds total{0};
  while (!text.empty()) {
    std::int64_t amount = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), amount);
    if (error != std::errc{} || end == text.data() + text.size() || amount < 0) return std::nullopt;
    std::int64_t unit_seconds = 0;
    switch (*end) {
      case 's': unit_seconds = 1; break;
      case 'm': unit_seconds = 60; break;
      case 'h': unit_seconds = 3600; break;
      case 'd': unit_seconds = 86400; break;
      default: return std::nullopt;
    }
    // Compared before multiplying, so that no amount can overflow into a small or negative total.
    if (amount > (longest_duration - total).count() / unit_seconds) return std::nullopt;
    total += std::chrono::seconds(amount * unit_seconds);
    text.remove_prefix(static_cast<std::size_t>(end - text.data()) + 1);
  }
  return total;
}

std::string format_duration(std::chrono::seconds duration) {
  using namespace std::chrono;
  std::string text;
  auto rest = duration.count();
  for (const auto& [unit, letter] : {std::pair{86400L, 'd'}, {3600L, 'h'}, {60L, 'm'}, {1L, 's'}}) {
    if (rest >= unit) {
      text += std::to_string(rest / unit) + letter;
      rest %= unit;
    }
  }
  return text.empty() ? "0s" : text;
}

std::string_view frequency_name(Frequency frequency) {
  switch (frequency) {
    case Frequency::weekly: return "weekly";
    case Frequency::biweekly_even: return "biweekly-even";
    case Frequency::biweekly_odd: return "biweekly-odd";
  }
  return "weekly";
}

std::vector<Meeting> load_meetings(const std::string& path, Diagnostics& diagnostics) {
  YamlReader reader(path, diagnostics);
  const auto root = reader.load_file();
  return root ? read_meetings(reader, *root) : std::vector<Meeting>{};
}

std::vector<Meeting> parse_meetings(const std::string& yaml_text, const std::string& file_name,
                                    Diagnostics& diagnostics) {
  YamlReader reader(file_name, diagnostics);
  const auto root = reader.load_string(yaml_text);
  return root ? read_meetings(reader, *root) : std::vector<Meeting>{};
}

}  // namespace katabot
