#pragma once
// What a reminder says: title, start in UTC (and local time when the meeting's zone is not UTC),
// how far away it is, the agenda and join links. `text` is one IRC line well under 512 bytes; the
// Slack adapter renders `mrkdwn` as a section block.
#include <chrono>
#include <string>

#include "handlers/reply.hpp"
#include "knowledge/meetings.hpp"

namespace katabot {

// "in 15 minutes", "in 1 hour 30 minutes", "in 24 hours", "in 2 days", "now" (rounded to minutes).
std::string relative_time(std::chrono::seconds until);

// The reminder for the occurrence starting at `start`, as posted at `now`. A late one reads
// "is starting in 3 minutes" instead of "starts in 15 minutes".
Reply reminder_reply(const Meeting& meeting, std::chrono::sys_seconds start, std::chrono::sys_seconds now, bool late);

// Room left for the IRC line: 512 minus "PRIVMSG #channel :", CRLF and the sender's prefix.
inline constexpr std::size_t max_irc_reminder_bytes = 350;

}  // namespace katabot
