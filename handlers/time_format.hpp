#pragma once
// Human wording for times: "in 2 days 3 hours", "Thu 03 Dec 2026 13:00 UTC".
#include <chrono>
#include <string>

#include <date/tz.h>

namespace katabot {

// Two most significant units of a positive duration: "2 days 3 hours", "45 minutes",
// "1 hour 5 minutes"; under a minute: "less than a minute".
std::string describe_duration(std::chrono::seconds duration);
// "in 2 days 3 hours" for a future instant, "3 minutes ago" for a past one.
std::string relative_time(std::chrono::sys_seconds when, std::chrono::sys_seconds now);
// "Thu 03 Dec 2026 13:00 UTC" in `zone` (its abbreviation, e.g. CET, PST).
std::string format_in_zone(std::chrono::sys_seconds when, const date::time_zone* zone);
// The zone named by the user, or nullptr when there is no such IANA zone.
const date::time_zone* find_zone(const std::string& name);

}  // namespace katabot
