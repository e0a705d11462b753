#include "handlers/zone_argument.hpp"

#include <map>
#include <optional>
#include <vector>

#include "handlers/time_format.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

// A question about a meeting names its zone in its first few words; the rest is never read.
constexpr std::size_t max_words_read = 8;
constexpr std::size_t longest_name_words = 3;  // "salt lake city"

// Abbreviations mean the zone people live in, with its summer time: "EST" typed in July still means
// New York. IST is India's here: that is where most who type it in the community are.
const std::map<std::string, std::string, std::less<>>& abbreviations() {
  static const std::map<std::string, std::string, std::less<>> table{
      {"pt", "America/Los_Angeles"}, {"pst", "America/Los_Angeles"}, {"pdt", "America/Los_Angeles"},
      {"pacific", "America/Los_Angeles"}, {"mt", "America/Denver"}, {"mst", "America/Denver"},
      {"mdt", "America/Denver"}, {"ct", "America/Chicago"}, {"cst", "America/Chicago"}, {"cdt", "America/Chicago"},
      {"et", "America/New_York"}, {"est", "America/New_York"}, {"edt", "America/New_York"},
      {"eastern", "America/New_York"}, {"cet", "Europe/Berlin"}, {"cest", "Europe/Berlin"},
      {"eet", "Europe/Helsinki"}, {"eest", "Europe/Helsinki"}, {"wet", "Europe/Lisbon"},
      {"bst", "Europe/London"}, {"uk", "Europe/London"}, {"ist", "Asia/Kolkata"}, {"india", "Asia/Kolkata"},
      {"jst", "Asia/Tokyo"}, {"japan", "Asia/Tokyo"}, {"kst", "Asia/Seoul"}, {"sgt", "Asia/Singapore"},
      {"hkt", "Asia/Hong_Kong"}, {"aest", "Australia/Sydney"}, {"aedt", "Australia/Sydney"},
      {"awst", "Australia/Perth"}, {"nzst", "Pacific/Auckland"}, {"nzdt", "Pacific/Auckland"},
      {"brt", "America/Sao_Paulo"}, {"gmt", "Etc/GMT"}, {"utc", "UTC"}, {"z", "UTC"}, {"zulu", "UTC"},
  };
  return table;
}

// Cities the time zone database does not name (it keeps one city per zone).
const std::map<std::string, std::string, std::less<>>& more_cities() {
  static const std::map<std::string, std::string, std::less<>> table{
      {"bangalore", "Asia/Kolkata"}, {"bengaluru", "Asia/Kolkata"}, {"mumbai", "Asia/Kolkata"},
      {"delhi", "Asia/Kolkata"}, {"new delhi", "Asia/Kolkata"}, {"chennai", "Asia/Kolkata"},
      {"hyderabad", "Asia/Kolkata"}, {"pune", "Asia/Kolkata"}, {"san francisco", "America/Los_Angeles"},
      {"seattle", "America/Los_Angeles"}, {"portland", "America/Los_Angeles"}, {"san jose", "America/Los_Angeles"},
      {"boston", "America/New_York"}, {"washington", "America/New_York"}, {"raleigh", "America/New_York"},
      {"atlanta", "America/New_York"}, {"austin", "America/Chicago"}, {"dallas", "America/Chicago"},
      {"houston", "America/Chicago"}, {"munich", "Europe/Berlin"}, {"frankfurt", "Europe/Berlin"},
      {"hamburg", "Europe/Berlin"}, {"beijing", "Asia/Shanghai"}, {"shenzhen", "Asia/Shanghai"},
      {"hangzhou", "Asia/Shanghai"}, {"guangzhou", "Asia/Shanghai"}, {"tel aviv", "Asia/Jerusalem"},
      {"osaka", "Asia/Tokyo"}, {"barcelona", "Europe/Madrid"}, {"milan", "Europe/Rome"}, {"geneva", "Europe/Zurich"},
      {"manchester", "Europe/London"}, {"ottawa", "America/Toronto"}, {"taipei", "Asia/Taipei"},
  };
  return table;
}

// Zone names that are everyday words more often than places ("next one after christmas").
bool is_everyday_word(std::string_view city) {
  return city == "christmas" || city == "easter" || city == "wake" || city == "midway";
}

// "berlin" → Europe/Berlin, "new york" → America/New_York: the last part of every zone's name.
const std::map<std::string, const date::time_zone*, std::less<>>& database_cities() {
  static const auto table = [] {
    std::map<std::string, const date::time_zone*, std::less<>> cities;
    for (const auto& zone : date::get_tzdb().zones) {
      const auto& name = zone.name();
      const auto slash = name.rfind('/');
      if (slash == std::string::npos || name.starts_with("Etc/") || name.starts_with("Antarctica/")) continue;
      auto city = ascii_lower(name.substr(slash + 1));
      for (auto& c : city) {
        if (c == '_') c = ' ';
      }
      if (!is_everyday_word(city)) cities.emplace(std::move(city), &zone);
    }
    return cities;
  }();
  return table;
}

bool is_digits(std::string_view text) {
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// "utc+2", "gmt-05", "utc+2:00" → Etc/GMT-2 … (the database's sign is the other way round).
// nullopt when the word is not an offset at all; nullptr when it is one no zone has.
std::optional<const date::time_zone*> offset_zone(std::string_view word) {
  if (!(word.starts_with("utc") || word.starts_with("gmt")) || word.size() < 5) return std::nullopt;
  const char sign = word[3];
  if (sign != '+' && sign != '-') return std::nullopt;
  auto hours = word.substr(4);
  if (hours.ends_with(":00")) hours.remove_suffix(3);
  if (!is_digits(hours) || hours.size() > 2) return nullptr;
  const int value = std::stoi(std::string(hours));
  if (value == 0) return find_zone("UTC");
  if (value > (sign == '+' ? 14 : 12)) return nullptr;
  return find_zone(std::string("Etc/GMT") + (sign == '+' ? '-' : '+') + std::to_string(value));
}

const date::time_zone* zone_named(const std::string& phrase) {
  if (const auto it = abbreviations().find(phrase); it != abbreviations().end()) return find_zone(it->second);
  if (const auto* zone = find_zone(phrase)) return zone;
  if (const auto it = more_cities().find(phrase); it != more_cities().end()) return find_zone(it->second);
  if (const auto it = database_cities().find(phrase); it != database_cities().end()) return it->second;
  if (const auto offset = offset_zone(phrase)) return *offset;
  return nullptr;
}

// "Mars/Olympus", "utc+99": meant as a zone, so the asker should hear it was not understood.
bool looks_like_zone(std::string_view word) {
  const auto slash = word.find('/');
  if (slash != std::string_view::npos && slash > 0 && slash + 1 < word.size()) return true;
  return offset_zone(ascii_lower(word)).has_value();
}

std::vector<std::string> words_of(std::string_view text) {
  std::vector<std::string> words;
  std::string current;
  for (const char c : text) {
    if (words.size() == max_words_read) break;
    if (c == ' ' || c == '\t' || c == ',' || c == ';' || c == '?' || c == '!') {
      if (!current.empty()) words.push_back(std::move(current));
      current.clear();
    } else {
      current += c;
    }
  }
  if (!current.empty() && words.size() < max_words_read) words.push_back(std::move(current));
  return words;
}

}  // namespace

ZoneArgument parse_zone_argument(std::string_view text) {
  const auto words = words_of(text);
  ZoneArgument argument;
  for (std::size_t length = std::min(longest_name_words, words.size()); length > 0; --length) {
    for (std::size_t first = 0; first + length <= words.size(); ++first) {
      std::string phrase = ascii_lower(words[first]);
      for (std::size_t i = first + 1; i < first + length; ++i) phrase += " " + ascii_lower(words[i]);
      if (const auto* zone = zone_named(phrase)) {
        argument.zone = zone;
        return argument;
      }
    }
  }
  for (const auto& word : words) {
    if (looks_like_zone(word)) {
      argument.unknown = word;
      break;
    }
  }
  return argument;
}

}  // namespace katabot
