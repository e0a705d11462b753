#include "handlers/schedule_words.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <optional>

#include "knowledge/provenance_reader.hpp"
#include "knowledge/utf8_cut.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

constexpr std::array<std::string_view, 12> month_names{"january", "february", "march",     "april",   "may",      "june",
                                                         "july",    "august",   "september", "october", "november", "december"};
constexpr std::array<std::string_view, 7> weekday_names{"sunday",   "monday", "tuesday", "wednesday",
                                                          "thursday", "friday", "saturday"};
constexpr std::string_view date_help = "Write the date as 2026-12-24, dec 24 or next thursday.";

// "dec", "december", "Dec." → month; three letters at least, so "ma" matches nothing.
std::optional<date::month> month_named(std::string_view word) {
  auto lower = ascii_lower(word);
  if (!lower.empty() && lower.back() == '.') lower.pop_back();
  if (lower.size() < 3) return std::nullopt;
  for (unsigned i = 0; i < month_names.size(); ++i) {
    if (month_names[i].starts_with(lower)) return date::month{i + 1};
  }
  return std::nullopt;
}

std::optional<date::weekday> weekday_named(std::string_view word) {
  const auto lower = ascii_lower(word);
  if (lower.size() < 3) return std::nullopt;
  for (unsigned i = 0; i < weekday_names.size(); ++i) {
    if (weekday_names[i].starts_with(lower)) return date::weekday{i};
  }
  return std::nullopt;
}

std::optional<unsigned> day_number(std::string_view word) {
  for (const std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (word.size() > suffix.size() && word.ends_with(suffix)) word.remove_suffix(suffix.size());
  }
  unsigned value = 0;
  const auto [end, error] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (error != std::errc{} || end != word.data() + word.size() || value < 1 || value > 31) return std::nullopt;
  return value;
}

// The next `month`/`day` on or after `today`.
std::optional<date::year_month_day> next_month_day(date::month month, unsigned day, date::year_month_day today) {
  for (auto year = today.year(); year <= today.year() + date::years{4}; ++year) {
    const date::year_month_day candidate{year, month, date::day{day}};
    if (candidate.ok() && candidate >= today) return candidate;
  }
  return std::nullopt;
}

date::year_month_day weekday_from(date::weekday weekday, date::year_month_day today, int first_offset) {
  auto day = date::sys_days{today} + date::days{first_offset};
  while (date::weekday{day} != weekday) day += date::days{1};
  return date::year_month_day{day};
}

DateLookup found(date::year_month_day day, std::size_t words) { return {day, words, {}}; }
DateLookup question(std::string text) { return {{}, 0, std::move(text)}; }

}  // namespace

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  while (!text.empty()) {
    const auto start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) break;
    text.remove_prefix(start);
    const auto end = text.find_first_of(" \t");
    words.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end);
  }
  return words;
}

MeetingLookup find_meeting_named(const KnowledgeBase& knowledge, std::string_view name) {
  const auto wanted = ascii_lower(name);
  std::vector<const Meeting*> prefixed;
  for (const auto& meeting : knowledge.meetings()) {
    std::string initials;
    for (std::size_t i = 0; i < meeting.id.size(); ++i) {
      if (i == 0 || meeting.id[i - 1] == '-') initials += meeting.id[i];
    }
    std::string title = ascii_lower(meeting.title);
    std::replace(title.begin(), title.end(), ' ', '-');
    if (wanted == meeting.id || wanted == title || wanted == initials) return {&meeting, {}};
    if (meeting.id.starts_with(wanted)) prefixed.push_back(&meeting);
  }
  if (prefixed.size() == 1) return {prefixed.front(), {}};
  const auto shown = "\"" + truncate_utf8(name, 40, "…") + "\"";
  std::string ids;
  if (!prefixed.empty()) {
    for (const auto* meeting : prefixed) ids += (ids.empty() ? "" : ", ") + meeting->id;
    return {nullptr, "Which meeting do you mean by " + shown + ": " + ids + "?"};
  }
  for (const auto& meeting : knowledge.meetings()) ids += (ids.empty() ? "" : ", ") + meeting.id;
  return {nullptr, "There is no meeting " + shown + ". The meetings are: " + ids + "."};
}

DateLookup read_date(const std::vector<std::string_view>& words, date::year_month_day today) {
  if (words.empty()) return question("Which date? " + std::string(date_help));
  const auto first = ascii_lower(utf8_prefix(words[0], 32));
  if (const auto day = parse_iso_date(first)) return found(*day, 1);
  if (first == "today") return found(today, 1);
  if (first == "tomorrow") return found(date::year_month_day{date::sys_days{today} + date::days{1}}, 1);
  if (first.find('/') != std::string::npos || first.find('.') != std::string::npos) {
    return question("\"" + first + "\" reads as day/month in some places and month/day in others. " + std::string(date_help));
  }
  if (const auto weekday = weekday_named(first)) return found(weekday_from(*weekday, today, 0), 1);
  if (words.size() >= 2) {
    const auto second = ascii_lower(utf8_prefix(words[1], 32));
    if (first == "next" || first == "this") {
      if (const auto weekday = weekday_named(second)) return found(weekday_from(*weekday, today, first == "next" ? 1 : 0), 2);
    }
    const auto month = month_named(first) ? month_named(first) : month_named(second);
    const auto day = month_named(first) ? day_number(second) : day_number(first);
    if (month && day) {
      if (const auto date = next_month_day(*month, *day, today)) return found(*date, 2);
      return question("There is no " + std::string(words[0]) + " " + std::string(words[1]) + ".");
    }
  }
  return question("I cannot read \"" + truncate_utf8(words[0], 40, "…") + "\" as a date. " + std::string(date_help));
}

}  // namespace katabot
