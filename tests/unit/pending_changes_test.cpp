// Where an admin's schedule change came from, kept until etcd settles it: bounded in number and time.
#include <catch2/catch.hpp>

#include "bot/pending_changes.hpp"

using namespace katabot;
using namespace std::chrono_literals;

namespace {

ScheduleChange skip(unsigned day) {
  ScheduleChange change;
  change.change.meeting_id = "ac";
  change.change.date = date::year{2026} / 12 / date::day{day};
  return change;
}

}  // namespace

TEST_CASE("pending changes: the conversation of the change that failed, once", "[pending-changes]") {
  PendingChanges pending;
  const auto now = std::chrono::steady_clock::time_point{} + 1h;
  pending.remember(skip(3), {Platform::slack, "C1"}, now);
  pending.remember(skip(10), {Platform::slack, "C2"}, now);
  auto unskip = skip(3);
  unskip.clear = true;
  CHECK_FALSE(pending.take(unskip, now));
  const auto where = pending.take(skip(10), now);
  REQUIRE(where);
  CHECK(where->platform == Platform::slack);
  CHECK(where->channel == "C2");
  CHECK_FALSE(pending.take(skip(10), now));
  CHECK(pending.take(skip(3), now)->channel == "C1");
}

TEST_CASE("pending changes: forgotten after a while, and the oldest goes when full", "[pending-changes]") {
  PendingChanges pending;
  const auto now = std::chrono::steady_clock::time_point{} + 1h;
  pending.remember(skip(1), {Platform::slack, "C1"}, now);
  CHECK_FALSE(pending.take(skip(1), now + PendingChanges::kept_for + 1s));
  for (unsigned day = 1; day <= PendingChanges::capacity + 1; ++day) pending.remember(skip(day), {Platform::slack, "C"}, now);
  CHECK(pending.size() == PendingChanges::capacity);
  CHECK_FALSE(pending.take(skip(1), now));
  CHECK(pending.take(skip(PendingChanges::capacity + 1), now));
}
