#pragma once
// The meetings as an iCalendar feed (RFC 5545), for `katabot --ics` and GET /meetings.ics.
//
// Weekly meetings are one VEVENT with an open RRULE. Biweekly meetings follow ISO-week parity,
// which INTERVAL=2 cannot express across an ISO year with 53 weeks (week 53 and the next week 1
// are both odd): they are split into one VEVENT per run of ISO years ending in a 53-week year,
// each with INTERVAL=2, an UNTIL and a UID naming the run's first ISO year, up to a horizon.
// Skip dates (from meetings.yaml and from admins) are EXDATEs; a moved occurrence is an override
// VEVENT with the series' UID and a RECURRENCE-ID. Times carry the meeting's TZID with a VTIMEZONE built from the tz
// database (UTC meetings use UTC times), so expanding the feed gives exactly the bot's schedule.
#include <chrono>
#include <string>
#include <vector>

#include "knowledge/meetings.hpp"

namespace katabot {

// Biweekly runs are emitted until the first one ending at least this far after `now`.
inline constexpr auto ics_horizon = std::chrono::years{5};

// Pure and deterministic: `now` only picks the first occurrence and the horizon, and DTSTAMP is
// `now` truncated to the day, so the same day gives the same text. Lines end in CRLF and are
// folded at 75 octets.
std::string render_ics(const std::vector<Meeting>& meetings, std::chrono::sys_seconds now);

// RFC 5545 section 3.1 folding of one content line (without its CRLF), exposed for tests.
std::string fold_ics_line(std::string_view line);
// RFC 5545 section 3.3.11 TEXT escaping.
std::string escape_ics_text(std::string_view text);

}  // namespace katabot
