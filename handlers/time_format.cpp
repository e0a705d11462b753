#include "handlers/time_format.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace katabot {
namespace {

std::string plural(long count, const char* unit) {
  return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
}

}  // namespace

std::string describe_duration(std::chrono::seconds duration) {
  using namespace std::chrono;
  if (duration < minutes(1)) return "less than a minute";
  struct Unit {
    long seconds;
    const char* name;
  };
  constexpr std::array<Unit, 4> units{{{86400, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}}};
  // Round to whole minutes first so "14 minutes 59 seconds" reads as "15 minutes".
  auto rest = (duration.count() + 30) / 60 * 60;
  std::string text;
  int parts = 0;
  for (const auto& unit : units) {
    if (parts == 2 || unit.seconds == 1) break;
    const auto count = rest / unit.seconds;
    if (count > 0) {
      text += (text.empty() ? "" : " ") + plural(count, unit.name);
      rest -= count * unit.seconds;
      ++parts;
    } else if (parts > 0) {
      break;  // "2 days" rather than "2 days 0 hours"; never skip a unit in the middle
    }
  }
  return text;
}

std::string relative_time(std::chrono::sys_seconds when, std::chrono::sys_seconds now) {
  if (when >= now) return "in " + describe_duration(when - now);
  return describe_duration(now - when) + " ago";
}

std::string format_in_zone(std::chrono::sys_seconds when, const date::time_zone* zone) {
  return date::format("%a %d %b %Y %H:%M %Z", date::make_zoned(zone, when));
}

const date::time_zone* find_zone(const std::string& name) {
  if (name.empty() || name.size() > 64) return nullptr;
  try {
    return date::locate_zone(name);
  } catch (const std::exception&) {
  }
  // People type "europe/berlin" or "utc": accept any case.
  const auto same = [&](const std::string& candidate) {
    return candidate.size() == name.size() &&
           std::equal(candidate.begin(), candidate.end(), name.begin(),
                      [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b)); });
  };
  const auto& database = date::get_tzdb();
  for (const auto& zone : database.zones) {
    if (same(zone.name())) return &zone;
  }
  return nullptr;
}

}  // namespace katabot
