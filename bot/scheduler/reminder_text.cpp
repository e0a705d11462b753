#include "bot/scheduler/reminder_text.hpp"

#include <date/date.h>
#include <date/tz.h>

#include "knowledge/utf8_cut.hpp"

namespace katabot {
namespace {

std::string plural(long count, const char* unit) {
  return std::to_string(count) + " " + unit + (count == 1 ? "" : "s");
}

// Control characters would end or corrupt an IRC line; long titles would crowd out the links.
std::string clean_title(const std::string& title) {
  constexpr std::size_t max_bytes = 100;
  std::string cleaned;
  for (const char c : title) cleaned += (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) ? ' ' : c;
  return truncate_utf8(cleaned, max_bytes, "…");
}

std::string when_text(const Meeting& meeting, std::chrono::sys_seconds start) {
  auto text = date::format("%a %F %H:%M UTC", start);
  if (meeting.zone != nullptr && meeting.zone->name() != "UTC" && meeting.zone->name() != "Etc/UTC") {
    const date::zoned_seconds local{meeting.zone, start};
    text += date::format(" (%H:%M ", local) + meeting.zone->name() + ")";
  }
  return text;
}

}  // namespace

std::string relative_time(std::chrono::seconds until) {
  const long minutes = (until.count() + 30) / 60;
  if (minutes <= 0) return "now";
  if (minutes < 60) return "in " + plural(minutes, "minute");
  const long hours = minutes / 60;
  if (minutes % 60 == 0 && hours >= 48 && hours % 24 == 0) return "in " + plural(hours / 24, "day");
  return "in " + plural(hours, "hour") + (minutes % 60 == 0 ? "" : " " + plural(minutes % 60, "minute"));
}

Reply reminder_reply(const Meeting& meeting, std::chrono::sys_seconds start, std::chrono::sys_seconds now, bool late) {
  const auto title = clean_title(meeting.title);
  const auto relative = relative_time(start - now);
  const auto verb = late ? "is starting " : "starts ";
  const auto when = when_text(meeting, start);
  const auto head = std::string(late ? "Reminder (late): " : "Reminder: ") + title + " " + verb + relative + " — " + when;

  Reply reply;
  reply.visibility = Visibility::in_channel;
  reply.text = head;
  // Links are added in order of importance while the IRC line stays within its budget.
  for (const auto& [label, url] : {std::pair{"agenda", meeting.agenda}, std::pair{"join", meeting.join}}) {
    if (url.empty()) continue;
    const auto part = std::string(" — ") + label + ": " + url;
    if (reply.text.size() + part.size() > max_irc_reminder_bytes) continue;
    reply.text += part;
    reply.links.push_back({label == std::string_view("agenda") ? "Agenda" : "Join", url});
  }

  reply.mrkdwn = std::string(late ? ":alarm_clock: *Reminder (late):* *" : ":alarm_clock: *Reminder:* *") +
                 escape_mrkdwn(title) + "* " + verb + relative + "\n" + escape_mrkdwn(when);
  std::string links;
  for (const auto& link : reply.links) links += (links.empty() ? "" : " · ") + ("<" + link.url + "|" + link.title + ">");
  if (!links.empty()) reply.mrkdwn += "\n" + links;
  return reply;
}

}  // namespace katabot
