#include "knowledge/ics.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <map>

#include <date/date.h>
#include <date/iso_week.h>
#include <date/tz.h>

#include "knowledge/schedule.hpp"

namespace katabot {
namespace {

using date::local_days;
using std::chrono::sys_seconds;

constexpr std::string_view uid_domain = "katabot.katacontainers.io";
constexpr std::array<std::string_view, 7> day_names{"SU", "MO", "TU", "WE", "TH", "FR", "SA"};

class Lines {
 public:
  void add(std::string_view line) {
    text_ += fold_ics_line(line);
    text_ += "\r\n";
  }
  void add(std::string_view name, std::string_view value) { add(std::string(name) + ":" + std::string(value)); }
  std::string take() { return std::move(text_); }

 private:
  std::string text_;
};

std::string utc_stamp(sys_seconds when) { return date::format("%Y%m%dT%H%M%SZ", when); }
std::string local_stamp(date::local_seconds when) { return date::format("%Y%m%dT%H%M%S", when); }

bool is_utc(const date::time_zone& zone) {
  const auto info = zone.get_info(date::sys_days{date::year{2000} / 1 / 1});
  return info.offset == std::chrono::seconds{0} && info.save == std::chrono::minutes{0} &&
         info.end > date::sys_days{date::year{2200} / 1 / 1} && info.begin < date::sys_days{date::year{1900} / 1 / 1};
}

unsigned weeks_in_iso_year(int iso_year) {
  // 28 December always lies in the last ISO week of its year.
  return iso_week_number(date::year{iso_year} / 12 / 28);
}

int iso_year_of(local_days day) {
  return static_cast<int>(iso_week::year_weeknum_weekday{date::sys_days{day.time_since_epoch()}}.year());
}

local_days iso_week_day(int iso_year, unsigned week, date::weekday weekday) {
  const iso_week::year_weeknum_weekday day{iso_week::year{iso_year}, iso_week::weeknum{week},
                                           iso_week::weekday{weekday}};
  return local_days{date::sys_days{day}.time_since_epoch()};
}

// The first local date on or after `from` where the meeting's weekday and parity rule hold.
local_days first_meeting_day(const Meeting& nominal, local_days from) {
  for (int i = 0; i < 21; ++i, from += date::days{1}) {
    if (meets_on(nominal, from)) break;
  }
  return from;
}

std::string two_digits(long long value) { return {char('0' + value / 10 % 10), char('0' + value % 10)}; }

std::string offset_text(std::chrono::seconds offset) {
  // Appended piece by piece: g++ 12 at -O3 reports a false -Wrestrict for "literal" + std::string.
  const auto rest = std::abs(offset.count());
  std::string text(1, offset < std::chrono::seconds{0} ? '-' : '+');
  text += two_digits(rest / 3600);
  text += two_digits(rest / 60 % 60);
  if (rest % 60 != 0) text += two_digits(rest % 60);
  return text;
}

// Every UTC-offset period of `zone` in [from, to], each as a STANDARD or DAYLIGHT sub-component
// with its exact onset: no rule guessing, the tz database's transitions as they are.
void add_vtimezone(Lines& lines, const date::time_zone& zone, sys_seconds from, sys_seconds to) {
  const auto earliest = sys_seconds{date::sys_days{date::year{1970} / 1 / 1}.time_since_epoch()};
  lines.add("BEGIN", "VTIMEZONE");
  lines.add("TZID", zone.name());
  auto info = zone.get_info(from);
  auto previous_offset = info.begin > earliest ? zone.get_info(info.begin - std::chrono::seconds{1}).offset : info.offset;
  while (true) {
    const auto kind = info.save != std::chrono::minutes{0} ? "DAYLIGHT" : "STANDARD";
    const auto onset = std::max(info.begin, earliest);
    lines.add("BEGIN", kind);
    lines.add("DTSTART", local_stamp(date::local_seconds{(onset + previous_offset).time_since_epoch()}));
    lines.add("TZOFFSETFROM", offset_text(previous_offset));
    lines.add("TZOFFSETTO", offset_text(info.offset));
    lines.add("TZNAME", escape_ics_text(info.abbrev));
    lines.add("END", kind);
    if (info.end > to) break;
    previous_offset = info.offset;
    info = zone.get_info(info.end);
  }
  lines.add("END", "VTIMEZONE");
}

struct Series {
  std::string uid;
  local_days first;
  std::optional<local_days> last;  // nullopt: open-ended
  unsigned interval = 1;
};

// Weekly: one open series. Biweekly: one series per run of ISO years that ends in a 53-week year,
// from the run holding `today` until one ends past `horizon`.
std::vector<Series> series_of(const Meeting& nominal, local_days today, local_days horizon) {
  const auto first = first_meeting_day(nominal, today);
  if (nominal.frequency == Frequency::weekly) return {{nominal.id, first, std::nullopt, 1}};
  std::vector<Series> series;
  const unsigned last_week = nominal.frequency == Frequency::biweekly_odd ? 53 : 52;
  auto run_start = first;
  for (int guard = 0; guard < 50; ++guard) {
    auto first_year = iso_year_of(run_start);
    while (weeks_in_iso_year(first_year - 1) != 53) --first_year;
    auto last_year = iso_year_of(run_start);
    while (weeks_in_iso_year(last_year) != 53) ++last_year;
    const auto run_end = iso_week_day(last_year, last_week, nominal.day);
    series.push_back({nominal.id + "-" + std::to_string(first_year), run_start, run_end, 2});
    if (run_end >= horizon) break;
    run_start = first_meeting_day(nominal, iso_week_day(last_year + 1, 1, date::Monday));
  }
  return series;
}

std::string description_of(const Meeting& meeting) {
  std::string text = meeting.description;
  const auto add_line = [&text](std::string_view label, const std::string& value) {
    if (value.empty()) return;
    if (!text.empty()) text += '\n';
    text += label;
    text += value;
  };
  add_line("Agenda: ", meeting.agenda);
  add_line("Join: ", meeting.join);
  return text;
}

void add_vevent(Lines& lines, const Meeting& meeting, const Series& series, sys_seconds stamp) {
  Meeting nominal = meeting;
  nominal.skip.clear();
  const bool utc = is_utc(*meeting.zone);
  const auto property_time = [&](std::string_view name, local_days day) {
    if (utc) return std::string(name) + ":" + utc_stamp(start_on(nominal, day));
    return std::string(name) + ";TZID=" + meeting.zone->name() + ":" +
           local_stamp(date::local_seconds{day} + meeting.time_of_day);
  };

  lines.add("BEGIN", "VEVENT");
  lines.add("UID", series.uid + "@" + std::string(uid_domain));
  lines.add("DTSTAMP", utc_stamp(stamp));
  lines.add(property_time("DTSTART", series.first));
  lines.add("DURATION", "PT" + std::to_string(meeting.duration.count()) + "M");
  auto rule = "FREQ=WEEKLY;BYDAY=" + std::string(day_names[meeting.day.c_encoding()]);
  if (series.interval != 1) rule += ";INTERVAL=" + std::to_string(series.interval);
  // UNTIL is in UTC whenever DTSTART has a TZID (RFC 5545 section 3.3.10).
  if (series.last) rule += ";UNTIL=" + utc_stamp(start_on(nominal, *series.last));
  lines.add("RRULE", rule);
  const auto in_series = [&](local_days day) {
    return day >= series.first && (!series.last || day <= *series.last) && meets_on(nominal, day);
  };
  auto skips = meeting.skip;
  for (const auto& change : meeting.overrides) {
    if (change.kind == OccurrenceOverride::Kind::skip) skips.push_back(change.date);
  }
  std::sort(skips.begin(), skips.end());
  for (const auto& skip : skips) {
    if (in_series(local_days{skip})) lines.add(property_time("EXDATE", local_days{skip}));
  }
  const auto add_details = [&] {
    lines.add("SUMMARY", escape_ics_text(meeting.title));
    if (const auto description = description_of(meeting); !description.empty()) {
      lines.add("DESCRIPTION", escape_ics_text(description));
    }
    if (!meeting.join.empty()) lines.add("URL", meeting.join);
  };
  add_details();
  lines.add("END", "VEVENT");
  // A moved occurrence is an instance override of the series (RFC 5545 section 3.8.4.4), in UTC
  // so that its zone needs no VTIMEZONE of its own.
  for (const auto& change : meeting.overrides) {
    if (change.kind != OccurrenceOverride::Kind::move || !in_series(local_days{change.date})) continue;
    lines.add("BEGIN", "VEVENT");
    lines.add("UID", series.uid + "@" + std::string(uid_domain));
    lines.add("DTSTAMP", utc_stamp(stamp));
    lines.add(property_time("RECURRENCE-ID", local_days{change.date}));
    lines.add("DTSTART", utc_stamp(moved_start(change)));
    lines.add("DURATION", "PT" + std::to_string(meeting.duration.count()) + "M");
    add_details();
    lines.add("END", "VEVENT");
  }
}

}  // namespace

std::string fold_ics_line(std::string_view line) {
  constexpr std::size_t max_octets = 75;
  std::string folded;
  std::size_t limit = max_octets;
  while (line.size() > limit) {
    auto cut = limit;
    // Never split a UTF-8 sequence: back up to the start of the character.
    while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0) == 0x80) --cut;
    folded += line.substr(0, cut);
    folded += "\r\n ";
    line.remove_prefix(cut);
    limit = max_octets - 1;  // the leading space counts
  }
  folded += line;
  return folded;
}

std::string escape_ics_text(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    switch (c) {
      case '\\': escaped += "\\\\"; break;
      case ';': escaped += "\\;"; break;
      case ',': escaped += "\\,"; break;
      case '\n': escaped += "\\n"; break;
      case '\r': break;
      default: escaped += c;
    }
  }
  return escaped;
}

std::string render_ics(const std::vector<Meeting>& meetings, std::chrono::sys_seconds now) {
  const auto stamp = std::chrono::floor<date::days>(now);
  Lines lines;
  lines.add("BEGIN", "VCALENDAR");
  lines.add("VERSION", "2.0");
  lines.add("PRODID", "-//Kata Containers//katabot//EN");
  lines.add("CALSCALE", "GREGORIAN");
  lines.add("METHOD", "PUBLISH");
  lines.add("X-WR-CALNAME", "Kata Containers community meetings");

  std::vector<std::pair<const Meeting*, std::vector<Series>>> events;
  std::map<std::string, const date::time_zone*> zones;
  sys_seconds latest = now + ics_horizon;
  for (const auto& meeting : meetings) {
    if (meeting.zone == nullptr) continue;
    Meeting nominal = meeting;
    nominal.skip.clear();
    const auto today = std::chrono::floor<date::days>(meeting.zone->to_local(now));
    const auto horizon = std::chrono::floor<date::days>(meeting.zone->to_local(now + ics_horizon));
    auto series = series_of(nominal, today, horizon);
    for (const auto& one : series) {
      if (one.last) latest = std::max(latest, start_on(nominal, *one.last));
    }
    if (!is_utc(*meeting.zone)) zones.emplace(meeting.zone->name(), meeting.zone);
    events.emplace_back(&meeting, std::move(series));
  }
  // The zone definitions cover every listed occurrence with a year to spare on each side.
  const auto year = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::years{1});
  for (const auto& [name, zone] : zones) add_vtimezone(lines, *zone, now - year, latest + 2 * year);
  for (const auto& [meeting, series] : events) {
    for (const auto& one : series) add_vevent(lines, *meeting, one, stamp);
  }
  lines.add("END", "VCALENDAR");
  return lines.take();
}

}  // namespace katabot
