#pragma once
// What an admin means by the words of a schedule command: which meeting, which date. When the
// words fit more than one thing, or nothing, the answer is a question to put back, never a guess.
#include <string>
#include <string_view>
#include <vector>

#include <date/date.h>

#include "knowledge/knowledge_base.hpp"

namespace katabot {

struct MeetingLookup {
  const Meeting* meeting = nullptr;
  std::string question;  // set when no meeting or more than one fits
};
// By id, title, initials of the id ("ac" for architecture-committee) or an unambiguous id prefix;
// case-insensitive.
MeetingLookup find_meeting_named(const KnowledgeBase& knowledge, std::string_view name);

struct DateLookup {
  date::year_month_day day{};
  std::size_t words_used = 0;  // 0 with a question when no date could be read
  std::string question;
};
// A date at the start of `words`: "2026-12-24", "dec 24", "24 december", "today", "tomorrow",
// "thursday" (the next one, today included), "next thursday" (the first after today). Month-day
// dates are the next such day from `today`. "12/11" is ambiguous and gets a question.
DateLookup read_date(const std::vector<std::string_view>& words, date::year_month_day today);

std::vector<std::string_view> split_words(std::string_view text);

}  // namespace katabot
