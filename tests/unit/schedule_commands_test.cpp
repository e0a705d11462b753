// skip / unskip / move from chat: who may, how meetings and dates are read (and when the bot asks
// back instead of guessing), and what `next` and `meetings` then say.
#include <catch2/catch.hpp>

#include "handlers/meetings_handler.hpp"
#include "handlers/schedule_admin_handler.hpp"
#include "handlers/schedule_words.hpp"
#include "bot/router.hpp"
#include "tests/unit/test_support.hpp"

using namespace katabot;

namespace {

Meeting meeting(std::string id, std::string title) {
  auto meeting = test::architecture_committee();
  meeting.id = std::move(id);
  meeting.title = std::move(title);
  return meeting;
}

const KnowledgeBase knowledge({}, {meeting("architecture-committee", "Architecture Committee"),
                                   meeting("arch-sig", "Architecture SIG"),
                                   meeting("release-sync", "Release sync")});

// Friday 2026-11-27 12:00 UTC; the Architecture Committee meets Thursdays 13:00 UTC.
const ManualClock friday_noon(test::at_utc(2026, 11, 27, 12));
constexpr date::year_month_day today = date::year{2026} / 11 / 27;

Request admin(std::string command, std::string args) { return Request{std::move(command), std::move(args), "!", {}}; }

date::year_month_day read(std::string_view text) {
  const auto words = split_words(text);
  const auto lookup = read_date(words, today);
  INFO(lookup.question);
  REQUIRE(lookup.words_used == words.size());
  return lookup.day;
}

}  // namespace

TEST_CASE("dates are read as admins type them, relative to today", "[schedule-commands]") {
  CHECK(read("2026-12-24") == date::year{2026} / 12 / 24);
  CHECK(read("dec 24") == date::year{2026} / 12 / 24);
  CHECK(read("24 December") == date::year{2026} / 12 / 24);
  CHECK(read("nov 26") == date::year{2027} / 11 / 26);  // yesterday's date means next year's
  CHECK(read("today") == today);
  CHECK(read("tomorrow") == date::year{2026} / 11 / 28);
  CHECK(read("thursday") == date::year{2026} / 12 / 3);
  CHECK(read("next thursday") == date::year{2026} / 12 / 3);
  CHECK(read("next friday") == date::year{2026} / 12 / 4);  // today is Friday: the next one is a week on
  CHECK(read("friday") == today);
}

TEST_CASE("ambiguous or unreadable dates get a question back", "[schedule-commands]") {
  const auto ambiguous = read_date(split_words("12/11"), today);
  CHECK(ambiguous.words_used == 0);
  CHECK(ambiguous.question.find("day/month") != std::string::npos);
  CHECK(read_date(split_words("soonish"), today).question.find("cannot read") != std::string::npos);
  CHECK(read_date(split_words("feb 30"), today).words_used == 0);
}

TEST_CASE("meetings are found by id, initials or an unambiguous prefix, and asked about otherwise", "[schedule-commands]") {
  CHECK(find_meeting_named(knowledge, "architecture-committee").meeting->id == "architecture-committee");
  CHECK(find_meeting_named(knowledge, "AC").meeting->id == "architecture-committee");
  CHECK(find_meeting_named(knowledge, "rel").meeting->id == "release-sync");
  CHECK(find_meeting_named(knowledge, "architecture-sig").meeting->id == "arch-sig");
  const auto ambiguous = find_meeting_named(knowledge, "arch");
  CHECK(ambiguous.meeting == nullptr);
  CHECK(ambiguous.question == "Which meeting do you mean by \"arch\": architecture-committee, arch-sig?");
  CHECK(find_meeting_named(knowledge, "board").question.find("There is no meeting \"board\"") == 0);
}

TEST_CASE("skip returns the change to record and says when the next call is", "[schedule-commands]") {
  const auto reply = skip_reply(admin("skip", "ac dec 24 holidays, see you\r\nin 2027"), knowledge, friday_noon);
  REQUIRE(reply.schedule_change);
  CHECK_FALSE(reply.schedule_change->clear);
  CHECK(reply.schedule_change->change.meeting_id == "architecture-committee");
  CHECK(reply.schedule_change->change.date == date::year{2026} / 12 / 24);
  CHECK(reply.schedule_change->change.reason == "holidays, see you  in 2027");
  CHECK(reply.text ==
        "Skipped: Architecture Committee on Thu 2026-12-24 (holidays, see you  in 2027). Next: Thu 03 Dec 2026 13:00 UTC.");
}

TEST_CASE("skip refuses a day without a meeting, a past call and a missing date, changing nothing", "[schedule-commands]") {
  const auto friday = skip_reply(admin("skip", "ac 2026-12-25"), knowledge, friday_noon);
  CHECK_FALSE(friday.schedule_change);
  CHECK(friday.text == "Architecture Committee does not meet on Fri 2026-12-25. The next regular one is on Thu 31 Dec 2026 13:00 UTC.");
  const auto past = skip_reply(admin("skip", "ac 2026-11-26"), knowledge, friday_noon);
  CHECK_FALSE(past.schedule_change);
  CHECK(past.text == "Architecture Committee on Thu 2026-11-26 is already over.");
  const auto no_date = skip_reply(admin("skip", "ac"), knowledge, friday_noon);
  CHECK_FALSE(no_date.schedule_change);
  CHECK(no_date.text.find("Which date?") == 0);
  CHECK_FALSE(skip_reply(admin("skip", "arch dec 24"), knowledge, friday_noon).schedule_change);
}

TEST_CASE("move reads the time and an optional zone, and unskip undoes either", "[schedule-commands]") {
  const auto moved = move_reply(admin("move", "ac next thursday 15:30 Europe/Berlin"), knowledge, friday_noon);
  REQUIRE(moved.schedule_change);
  const auto& change = moved.schedule_change->change;
  CHECK(change.kind == OccurrenceOverride::Kind::move);
  CHECK(change.date == date::year{2026} / 12 / 3);
  CHECK(change.moved_zone->name() == "Europe/Berlin");
  CHECK(moved.text == "Moved: Architecture Committee of Thu 2026-12-03 to Thu 03 Dec 2026 15:30 CET (Thu 03 Dec 2026 14:30 UTC).");
  CHECK_FALSE(move_reply(admin("move", "ac dec 3 25:00"), knowledge, friday_noon).schedule_change);
  CHECK_FALSE(move_reply(admin("move", "ac dec 3 14:00 Mars/Olympus"), knowledge, friday_noon).schedule_change);

  CHECK_FALSE(unskip_reply(admin("unskip", "ac dec 3"), knowledge, friday_noon).schedule_change);
  auto with_move = meeting("architecture-committee", "Architecture Committee");
  with_move.overrides = {change};
  const KnowledgeBase moved_knowledge({}, {with_move});
  const auto undone = unskip_reply(admin("unskip", "ac dec 3"), moved_knowledge, friday_noon);
  REQUIRE(undone.schedule_change);
  CHECK(undone.schedule_change->clear);
  CHECK(undone.text == "Restored: Architecture Committee on Thu 2026-12-03 at Thu 03 Dec 2026 13:00 UTC.");
}

TEST_CASE("next and meetings give the following call and say why the skipped one is off", "[schedule-commands]") {
  auto skipped = meeting("architecture-committee", "Architecture Committee");
  skipped.overrides = {{"architecture-committee", date::year{2026} / 12 / 3, OccurrenceOverride::Kind::skip, "KubeCon"}};
  const KnowledgeBase skipped_knowledge({}, {skipped});
  const auto next = next_meeting_reply(Request{"next", "", "!", {}}, skipped_knowledge, friday_noon);
  CHECK(next.text.find("Thu 10 Dec 2026 13:00 UTC") != std::string::npos);
  CHECK(next.text.find("Thursday's call on 2026-12-03 is cancelled: KubeCon.") != std::string::npos);
  const auto all = meetings_reply(Request{"meetings", "", "!", {}}, skipped_knowledge, friday_noon);
  CHECK(all.text.find("Thursday's call on 2026-12-03 is cancelled: KubeCon.") != std::string::npos);
}

TEST_CASE("schedule commands are for admins only: a stranger is refused and nothing changes", "[schedule-commands]") {
  const auto shared = std::make_shared<const KnowledgeBase>(knowledge);
  const CommandRegistry registry;
  Metrics metrics;
  RouterSettings settings;
  settings.user_burst = 1e9;
  settings.admins.slack_users = {"U0ADMIN"};
  settings.admins.irc_accounts = {"chair"};
  Router router(settings, registry, [&] { return shared; }, friday_noon, metrics);
  const auto say = [&](Platform platform, std::string user, std::string account, std::string text) {
    Inbound inbound;
    inbound.platform = platform;
    inbound.kind = platform == Platform::slack ? InboundKind::slash_command : InboundKind::channel_line;
    inbound.user_id = std::move(user);
    inbound.account = std::move(account);
    inbound.channel = "#kata-dev";
    inbound.text = std::move(text);
    return router.route(inbound);
  };

  const auto stranger = say(Platform::slack, "U0STRANGER", "", "skip ac dec 24");
  REQUIRE(stranger);
  CHECK(stranger->text == "Sorry, /kata skip is only for the bot's admins.");
  CHECK_FALSE(stranger->schedule_change);
  // On IRC a nick that happens to be an admin's account name is not enough: the account counts.
  const auto bare_nick = say(Platform::irc, "chair", "", "!move ac dec 24 14:00");
  REQUIRE(bare_nick);
  CHECK_FALSE(bare_nick->schedule_change);

  const auto slack_admin = say(Platform::slack, "U0ADMIN", "", "skip ac dec 24 holidays");
  REQUIRE(slack_admin);
  CHECK(slack_admin->schedule_change);
  const auto irc_admin = say(Platform::irc, "someone", "chair", "!unskip ac dec 24");
  REQUIRE(irc_admin);
  CHECK(irc_admin->text.find("nothing to undo") != std::string::npos);
}

TEST_CASE("skip, move and announce ask for one post to the meeting's channels", "[schedule-commands]") {
  const auto skipped = skip_reply(admin("skip", "ac dec 24 holidays"), knowledge, friday_noon);
  REQUIRE(skipped.broadcast);
  CHECK(skipped.broadcast->meeting_id == "architecture-committee");
  CHECK(skipped.broadcast->text ==
        "Architecture Committee on Thu 2026-12-24 is cancelled: holidays. Next: Thu 03 Dec 2026 13:00 UTC.");
  const auto moved = move_reply(admin("move", "ac dec 3 14:00"), knowledge, friday_noon);
  REQUIRE(moved.broadcast);
  CHECK(moved.broadcast->text == "Architecture Committee of Thu 2026-12-03 moves to Thu 03 Dec 2026 14:00 UTC.");

  const auto announced = announce_reply(admin("announce", "rel new agenda item:\nCI"), knowledge, friday_noon);
  REQUIRE(announced.broadcast);
  CHECK(announced.broadcast->meeting_id == "release-sync");
  CHECK(announced.broadcast->with_reminder);
  CHECK(announced.broadcast->text == "new agenda item: CI");
  CHECK_FALSE(announced.schedule_change);
  CHECK_FALSE(announce_reply(admin("announce", "arch"), knowledge, friday_noon).broadcast);
}
