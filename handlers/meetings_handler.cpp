#include "handlers/meetings_handler.hpp"

#include <sstream>

#include "handlers/schedule_admin_handler.hpp"
#include "handlers/time_format.hpp"
#include "knowledge/schedule.hpp"
#include "knowledge/utf8_cut.hpp"

namespace katabot {
namespace {

using std::chrono::floor;
using std::chrono::seconds;

struct Audience {
  const date::time_zone* zone = nullptr;  // the asker's zone, if other than UTC
  std::string error;                      // set when the user named a zone that does not exist
};

// The zone to show times in: named in the arguments, else the asker's own.
Audience audience_for(const std::string& zone_argument, const Request& request) {
  Audience audience;
  const auto& name = zone_argument.empty() ? request.user_timezone : zone_argument;
  if (name.empty()) return audience;
  audience.zone = find_zone(name);
  if (audience.zone == nullptr && !zone_argument.empty()) {
    audience.error = "I don't know the time zone \"" + truncate_utf8(zone_argument, 64, "…") +
                     "\". Use an IANA name such as Europe/Berlin, America/Los_Angeles or Asia/Tokyo.";
  }
  if (audience.zone != nullptr && audience.zone->name() == "UTC") audience.zone = nullptr;
  return audience;
}

constexpr const char* weekday_names[] = {"Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"};

std::string weekly_rule(const Meeting& meeting) {
  std::ostringstream out;
  out << weekday_names[meeting.day.c_encoding()] << "s "
      << date::format("%H:%M", date::local_seconds{} + meeting.time_of_day) << " " << meeting.zone->name();
  switch (meeting.frequency) {
    case Frequency::weekly: out << ", weekly"; break;
    case Frequency::biweekly_even: out << ", every other week (even ISO weeks)"; break;
    case Frequency::biweekly_odd: out << ", every other week (odd ISO weeks)"; break;
  }
  out << ", " << meeting.duration.count() << " min";
  return out.str();
}

std::string when_text(SysSeconds start, const Meeting& meeting, const Audience& audience, SysSeconds now) {
  auto text = format_in_zone(start, date::locate_zone("UTC"));
  if (audience.zone != nullptr) text += " / " + format_in_zone(start, audience.zone) + " (" + audience.zone->name() + ")";
  if (start <= now && now < start + meeting.duration) return text + ", happening now (started " + relative_time(start, now) + ")";
  return text + ", " + relative_time(start, now);
}

std::vector<Link> meeting_links(const Meeting& meeting) {
  std::vector<Link> links;
  if (!meeting.agenda.empty()) links.push_back({"Agenda, notes and call info", meeting.agenda});
  if (!meeting.join.empty()) links.push_back({"Add to your calendar / join", meeting.join});
  return links;
}

// The occurrence to talk about: one in progress, else the next one.
std::optional<SysSeconds> current_or_next(const Meeting& meeting, SysSeconds now) {
  const auto starts = next_occurrences(meeting, now - meeting.duration + seconds(1), 1);
  if (starts.empty()) return std::nullopt;
  return starts.front();
}

Reply error_reply(const std::string& message) {
  Reply reply;
  reply.text = message;
  reply.mrkdwn = escape_mrkdwn(message);
  return reply;
}

void append_meeting(Reply& reply, const Meeting& meeting, const Audience& audience, SysSeconds now) {
  const auto next = current_or_next(meeting, now);
  std::string line = meeting.title + ": " + weekly_rule(meeting);
  std::string rich = "*" + escape_mrkdwn(meeting.title) + "* — " + escape_mrkdwn(weekly_rule(meeting));
  if (!meeting.description.empty()) rich += "\n" + escape_mrkdwn(meeting.description);
  if (next) {
    line += ". Next: " + when_text(*next, meeting, audience, now);
    rich += "\nNext: " + escape_mrkdwn(when_text(*next, meeting, audience, now));
    if (const auto note = cancellation_note(meeting, now, *next); !note.empty()) {
      line += ". " + note;
      rich += "\n" + escape_mrkdwn(note);
    }
  }
  if (!meeting.agenda.empty()) line += ". Agenda: " + meeting.agenda;
  if (!meeting.join.empty()) line += " Calendar: " + meeting.join;
  reply.text += (reply.text.empty() ? "" : "\n") + line;
  reply.mrkdwn += (reply.mrkdwn.empty() ? "" : "\n\n") + rich;
  for (auto& link : meeting_links(meeting)) reply.links.push_back(std::move(link));
}

SysSeconds now_seconds(const Clock& clock) { return floor<seconds>(clock.now()); }

}  // namespace

Reply meetings_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  const auto audience = audience_for(request.args, request);
  if (!audience.error.empty()) return error_reply(audience.error);
  if (knowledge.meetings().empty()) return error_reply("No meetings are scheduled.");
  Reply reply;
  for (const auto& meeting : knowledge.meetings()) append_meeting(reply, meeting, audience, now_seconds(clock));
  return reply;
}

Reply meeting_reply(const Meeting& meeting, const Request& request, const Clock& clock) {
  Reply reply;
  append_meeting(reply, meeting, audience_for({}, request), now_seconds(clock));
  return reply;
}

Reply next_meeting_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  if (const auto* meeting = knowledge.find_meeting(request.args)) return meeting_reply(*meeting, request, clock);
  const auto audience = audience_for(request.args, request);
  if (!audience.error.empty()) return error_reply(audience.error);
  const auto now = now_seconds(clock);
  const Meeting* soonest = nullptr;
  SysSeconds soonest_start{};
  for (const auto& meeting : knowledge.meetings()) {
    const auto start = current_or_next(meeting, now);
    if (start && (soonest == nullptr || *start < soonest_start)) {
      soonest = &meeting;
      soonest_start = *start;
    }
  }
  if (soonest == nullptr) return error_reply("No meetings are scheduled.");
  Reply reply;
  reply.text = "Next: " + soonest->title + ", " + when_text(soonest_start, *soonest, audience, now);
  reply.mrkdwn = "*Next: " + escape_mrkdwn(soonest->title) + "*\n" + escape_mrkdwn(when_text(soonest_start, *soonest, audience, now));
  reply.links = meeting_links(*soonest);
  if (!reply.links.empty()) reply.text += ". Agenda: " + reply.links.front().url;
  // A call skipped before the next one is the likeliest reason someone asks: say so.
  for (const auto& meeting : knowledge.meetings()) {
    if (const auto note = cancellation_note(meeting, now, soonest_start); !note.empty()) {
      reply.text += "\n" + note;
      reply.mrkdwn += "\n" + escape_mrkdwn(note);
    }
  }
  return reply;
}

}  // namespace katabot
