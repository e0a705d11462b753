#pragma once
// The community's recurring meetings, as declared in meetings.yaml.
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>
#include <date/tz.h>

#include "knowledge/diagnostics.hpp"
#include "knowledge/occurrence_override.hpp"
#include "knowledge/provenance.hpp"

namespace katabot {

enum class Frequency { weekly, biweekly_even, biweekly_odd };

struct Meeting {
  std::string id;
  std::string title;
  std::string description;
  date::weekday day;
  std::chrono::minutes time_of_day{0};  // local wall-clock time in `zone`
  const date::time_zone* zone = nullptr;
  Frequency frequency = Frequency::weekly;
  std::chrono::minutes duration{60};
  std::string agenda;
  std::string join;
  std::vector<std::chrono::seconds> reminders;  // before the start
  std::vector<date::year_month_day> skip;       // local dates with no meeting
  std::optional<std::vector<std::string>> announce_slack;  // nullopt: slack.reminder_channels
  std::optional<std::vector<std::string>> announce_irc;    // nullopt: irc.reminder_channels
  std::vector<std::string> keywords;  // phrases that ask about this meeting ("when is the meeting")
  Provenance provenance;
  std::vector<OccurrenceOverride> overrides;  // from state_dir, not the file: skips and moves made from chat
};

std::vector<Meeting> load_meetings(const std::string& path, Diagnostics& diagnostics);
std::vector<Meeting> parse_meetings(const std::string& yaml_text, const std::string& file_name,
                                    Diagnostics& diagnostics);

// "13:00", "9:30" → minutes after midnight; nullopt when not a valid HH:MM.
std::optional<std::chrono::minutes> parse_time_of_day(const std::string& text);
// The longest duration parse_duration accepts: a reminder a month ahead is already more than any
// meeting needs, and the bound keeps every later time computation far from overflow.
constexpr std::chrono::seconds longest_duration = std::chrono::days{30};

// "24h", "15m", "1d", "90s", "1h30m" → seconds; nullopt when malformed or longer than longest_duration.
std::optional<std::chrono::seconds> parse_duration(std::string_view text);
// 86400s → "1d", 900s → "15m", 5400s → "1h30m": the inverse of parse_duration.
std::string format_duration(std::chrono::seconds duration);
std::string_view frequency_name(Frequency frequency);

}  // namespace katabot
