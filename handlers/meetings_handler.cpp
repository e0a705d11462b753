#include "handlers/meetings_handler.hpp"

#include <sstream>

#include "handlers/schedule_admin_handler.hpp"
#include "handlers/time_format.hpp"
#include "handlers/user_echo.hpp"
#include "handlers/zone_argument.hpp"
#include "knowledge/schedule.hpp"

namespace katabot {
namespace {

using std::chrono::floor;
using std::chrono::seconds;

struct Audience {
  const date::time_zone* zone = nullptr;  // the asker's zone, if other than UTC
  std::string hint;                       // set when the words named a zone that does not exist
};

// The zone to show times in: the one the words name, else the asker's own. Words that name no zone
// are ignored, so "next one please" still answers.
Audience audience_for(const std::string& words, const Request& request) {
  Audience audience;
  const auto argument = parse_zone_argument(words);
  audience.zone = argument.zone != nullptr ? argument.zone : find_zone(request.user_timezone);
  if (!argument.unknown.empty()) {
    const auto named = may_echo(argument.unknown) ? "the time zone \"" + argument.unknown + "\"" : std::string("that time zone");
    audience.hint = "(I don't know " + named +
                    ": use an IANA name such as Europe/Berlin, a city such as Bangalore, or an abbreviation such as CET.)";
  }
  if (audience.zone != nullptr && audience.zone->name() == "UTC") audience.zone = nullptr;
  return audience;
}

// The hint goes first: the answer's last line is where IRC appends the source link, and it
// already carries it.
void add_hint(Reply& reply, const Audience& audience) {
  if (audience.hint.empty()) return;
  reply.text = audience.hint + "\n" + reply.text;
  reply.mrkdwn = "_" + escape_mrkdwn(audience.hint) + "_\n" + reply.mrkdwn;
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
  if (knowledge.meetings().empty()) return error_reply("No meetings are scheduled.");
  Reply reply;
  for (const auto& meeting : knowledge.meetings()) append_meeting(reply, meeting, audience, now_seconds(clock));
  add_hint(reply, audience);
  return reply;
}

Reply meeting_reply(const Meeting& meeting, const Request& request, const Clock& clock) {
  Reply reply;
  append_meeting(reply, meeting, audience_for({}, request), now_seconds(clock));
  reply.subject = "meeting:" + meeting.id;
  return reply;
}

Reply next_meeting_reply(const Request& request, const KnowledgeBase& knowledge, const Clock& clock) {
  if (const auto* meeting = knowledge.find_meeting(request.args)) return meeting_reply(*meeting, request, clock);
  const auto audience = audience_for(request.args, request);
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
  reply.subject = "meeting:" + soonest->id;
  if (!reply.links.empty()) reply.text += ". Agenda: " + reply.links.front().url;
  // A call skipped before the next one is the likeliest reason someone asks: say so.
  for (const auto& meeting : knowledge.meetings()) {
    if (const auto note = cancellation_note(meeting, now, soonest_start); !note.empty()) {
      reply.text += "\n" + note;
      reply.mrkdwn += "\n" + escape_mrkdwn(note);
    }
  }
  add_hint(reply, audience);
  return reply;
}

}  // namespace katabot
