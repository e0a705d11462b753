// Two replicas' overrides against a real etcd (one member on loopback): a skip, unskip or move made
// on one is in the other's knowledge snapshot within a bound; with etcd down a change is taken back
// or refused with a message for the admin, and both keep answering with the last known overrides.
// The local overrides.log is copied into etcd once, so an unskip survives restarts; a replica
// started while etcd is down plans no reminders until it has etcd's overrides. Prints the
// propagation times and the first load's delay after etcd's return.
#include <catch2/catch.hpp>

#include <cstdio>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/shared_overrides.hpp"
#include "bot/coordination/shared_overrides_sync.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/scheduler/override_log.hpp"
#include "bot/scheduler/reminder_plan.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"
#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::coordination;
using namespace katabot::test;
using Steady = std::chrono::steady_clock;

namespace {

constexpr date::year_month_day dec24 = date::year{2026} / 12 / 24;
constexpr date::year_month_day dec31 = date::year{2026} / 12 / 31;
// From etcd holding a change to the other replica showing it: well under the 5 s poll period, so
// only the watch brings it in time.
constexpr auto propagation_bound = 1500ms;
constexpr auto poll_period = 5s;
// Every put is a WAL fsync, which takes a second or more on a loaded CI machine; a write that misses
// its budget is taken back, and that budget is not under test here.
constexpr auto request_timeout = 3s;
const std::string overrides_prefix = "/katabot-test/overrides/";

CoordinationConfig coordination() {
  CoordinationConfig config;
  config.key_prefix = "/katabot-test/";
  config.request_timeout = request_timeout;
  return config;
}

OccurrenceOverride skip(date::year_month_day day, std::string reason) {
  return {"architecture-committee", day, OccurrenceOverride::Kind::skip, std::move(reason)};
}

OccurrenceOverride move(date::year_month_day day) {
  return {"architecture-committee", day, OccurrenceOverride::Kind::move, "",
          date::local_days{day} + std::chrono::hours{15}, date::locate_zone("Europe/Berlin")};
}

// One replica as the App sets it up: its etcd client, and its knowledge store sharing overrides.
struct Replica {
  Replica(boost::asio::io_context& io, const std::vector<std::string>& endpoints,
          std::optional<std::filesystem::path> state_dir = std::nullopt)
      : client(io.get_executor(), client_settings(endpoints, coordination().request_timeout)),
        store(std::filesystem::path(KATABOT_SOURCE_DIR) / "knowledge", CommandRegistry().reserved_words(), state_dir) {
    REQUIRE(store.reload().empty());
    // A fixed "now" before the dates used below, so that pruning never hides them.
    const std::chrono::sys_seconds now = date::sys_days{date::year{2026} / 11 / 1};
    sync = share_overrides(io.get_executor(), client, store, coordination(), now,
                           {[this] { ++changes; },
                            [this](const ScheduleChange&, const std::string& problem) { not_saved.push_back(problem); }});
    boost::asio::co_spawn(io, sync->run(), [this](std::exception_ptr) { stopped = true; });
  }

  std::vector<OccurrenceOverride> overrides() const {
    return store.snapshot()->find_meeting("architecture-committee")->overrides;
  }

  EtcdClient client;
  KnowledgeStore store;
  std::unique_ptr<SharedOverridesSync> sync;
  int changes = 0;  // what the App's scheduler would reschedule on
  std::vector<std::string> not_saved;
  bool stopped = false;
};

// How long until `done`, or nullopt past the bound.
template <class Done>
std::optional<Steady::duration> time_until(boost::asio::io_context& io, Done done, std::chrono::milliseconds bound) {
  const auto start = Steady::now();
  if (!run_until(io, done, bound)) return std::nullopt;
  return Steady::now() - start;
}

long long in_ms(Steady::duration duration) { return std::chrono::duration_cast<std::chrono::milliseconds>(duration).count(); }

// Until etcd holds the override of `day` (or, with `held` false, no longer holds it), by default
// within a write's budget: the start of a propagation the other replica is then timed on.
bool etcd_holds(boost::asio::io_context& io, EtcdClient& client, date::year_month_day day, bool held = true,
                std::chrono::milliseconds within = request_timeout + 1s) {
  const auto key = override_key(overrides_prefix, "architecture-committee", day);
  return run_until(io, [&] {
    const auto found = finish(io, client.range(key, Steady::now() + request_timeout));
    return found.value && found.value->kvs.empty() != held;
  }, within);
}

}  // namespace

TEST_CASE("a change made on one replica reaches the other through etcd, and none is lost while etcd is down",
          "[etcd][overrides]") {
  EtcdCluster cluster(1);
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  Replica a(io, cluster.endpoints());
  Replica b(io, cluster.endpoints());
  REQUIRE(run_until(io, [&] { return a.sync->answering() && b.sync->answering(); }, 10s));

  // A skip on a, seen by b. Each propagation is printed from the change (the write included) and
  // bounded from etcd holding it.
  const auto skip_made = Steady::now();
  REQUIRE(a.store.change_schedule({false, skip(dec24, "holidays")}).problem.empty());
  CHECK(a.overrides() == std::vector{skip(dec24, "holidays")});  // at once where it was made
  const auto rescheduled = b.changes;
  REQUIRE(etcd_holds(io, a.client, dec24));
  REQUIRE(time_until(io, [&] { return b.overrides() == std::vector{skip(dec24, "holidays")}; }, propagation_bound));
  const auto skip_seen = Steady::now() - skip_made;
  CHECK(b.changes > rescheduled);

  // Its unskip, likewise.
  const auto unskip_made = Steady::now();
  REQUIRE(a.store.change_schedule({true, skip(dec24, "")}).problem.empty());
  REQUIRE(etcd_holds(io, a.client, dec24, false));
  REQUIRE(time_until(io, [&] { return b.overrides().empty(); }, propagation_bound));
  const auto unskip_seen = Steady::now() - unskip_made;

  // A move made on b, seen by a.
  const auto move_made = Steady::now();
  REQUIRE(b.store.change_schedule({false, move(dec31)}).problem.empty());
  REQUIRE(etcd_holds(io, b.client, dec31));
  REQUIRE(time_until(io, [&] { return a.overrides() == std::vector{move(dec31)}; }, propagation_bound));
  const auto move_seen = Steady::now() - move_made;
  std::printf("shared overrides, etcd on loopback: skip seen by the other replica within %lld ms, unskip %lld ms, move %lld ms\n",
              in_ms(skip_seen), in_ms(unskip_seen), in_ms(move_seen));

  // A replica that ran alone (backend none) brings the skips of its overrides.log along.
  const katabot::test::TempDir state("katabot-overrides");
  const auto jan7 = date::year{2027} / 1 / 7;
  REQUIRE(OverrideLog(state.path()).set(skip(jan7, "FOSDEM")));
  Replica c(io, cluster.endpoints(), state.path());
  REQUIRE(etcd_holds(io, c.client, jan7));
  CHECK(time_until(io, [&] { return a.overrides() == std::vector{move(dec31), skip(jan7, "FOSDEM")}; }, propagation_bound));
  REQUIRE(c.store.change_schedule({true, skip(jan7, "")}).problem.empty());
  REQUIRE(etcd_holds(io, c.client, jan7, false));
  REQUIRE(time_until(io, [&] { return a.overrides() == std::vector{move(dec31)}; }, propagation_bound));

  // A past override (written by a replica long gone) is deleted from etcd by the next load.
  const auto october = date::year{2026} / 10 / 1;
  REQUIRE(finish(io, a.client.put(override_key(overrides_prefix, "architecture-committee", october),
                                  format_override_record(skip(october, "old")), Steady::now() + request_timeout))
              .value);
  REQUIRE(etcd_holds(io, a.client, october, false, poll_period + request_timeout));
  CHECK(a.overrides() == std::vector{move(dec31)});

  cluster.kill(0);
  // Accepted before a knew: etcd does not confirm it, so it is taken back and the admin is told.
  REQUIRE(a.store.change_schedule({false, skip(dec24, "travel")}).in_force);
  REQUIRE(run_until(io, [&] { return !a.not_saved.empty(); }, request_timeout + 5s));
  CHECK(a.not_saved.front() ==
        "Could not save the skip of architecture-committee on 2026-12-24: the coordinator (etcd) did not answer, so it "
        "was taken back. Try again.");
  CHECK(a.overrides() == std::vector{move(dec31)});
  // Now a knows: refused at once, in the reply.
  const auto refused = a.store.change_schedule({false, skip(dec24, "travel")});
  CHECK_FALSE(refused.in_force);
  CHECK(refused.problem.find("the coordinator (etcd) did not answer") != std::string::npos);
  // b finds out at its next poll, and keeps answering with the last known overrides.
  REQUIRE(run_until(io, [&] { return !b.sync->answering(); }, 2 * poll_period + 2s));
  CHECK_FALSE(b.store.change_schedule({true, move(dec31)}).in_force);
  CHECK(b.overrides() == std::vector{move(dec31)});
  CHECK(a.overrides() == std::vector{move(dec31)});

  // etcd back: changes are accepted again and shared.
  cluster.restart(0);
  REQUIRE(cluster.wait_healthy());
  REQUIRE(run_until(io, [&] { return a.sync->answering() && b.sync->answering(); }, 2 * poll_period + 5s));
  REQUIRE(a.store.change_schedule({true, move(dec31)}).problem.empty());
  REQUIRE(etcd_holds(io, a.client, dec31, false));
  CHECK(time_until(io, [&] { return b.overrides().empty(); }, propagation_bound + poll_period));

  a.sync->stop();
  b.sync->stop();
  c.sync->stop();
  CHECK(run_until(io, [&] { return a.stopped && b.stopped && c.stopped; }, 5s));
}

TEST_CASE("a value too large for any answer under the prefix is left out and reported once, the rest loads and changes go on",
          "[etcd][overrides]") {
  EtcdCluster cluster(1);
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  EtcdClient writer(io.get_executor(), client_settings(cluster.endpoints(), 5s));
  const auto& prefix = overrides_prefix;
  const auto put = [&](const std::string& key, const std::string& value) {
    const auto written = finish(io, writer.put(key, value, Steady::now() + 5s));
    INFO(written.detail);
    REQUIRE(written.value);
  };
  // In key order: a valid skip, the oversized value (anyone with write access can put it), a valid move.
  put(override_key(prefix, "architecture-committee", dec24), format_override_record(skip(dec24, "holidays")));
  const auto big_key = prefix + "architecture-committee/2026-12-25";
  put(big_key, std::string(1'100'000, 'x'));
  put(override_key(prefix, "architecture-committee", dec31), format_override_record(move(dec31)));

  katabot::test::LogCapture log;
  Replica replica(io, cluster.endpoints());
  const std::vector expected{skip(dec24, "holidays"), move(dec31)};
  REQUIRE(run_until(io, [&] { return replica.sync->answering() && replica.overrides() == expected; }, 10s));
  CHECK(log.text().find("2026-12-25': value over") != std::string::npos);

  // Changes are still accepted and land in etcd; the reloads after them report the big value no more.
  constexpr date::year_month_day dec17 = date::year{2026} / 12 / 17;
  REQUIRE(replica.store.change_schedule({false, skip(dec17, "release")}).problem.empty());
  const auto in_etcd = [&] {
    const auto saved = finish(io, writer.range(override_key(prefix, "architecture-committee", dec17), Steady::now() + 5s));
    return saved.value && saved.value->kvs.size() == 1;
  };
  CHECK(run_until(io, in_etcd, 5s));
  CHECK(replica.not_saved.empty());
  // One more written elsewhere: seeing it means another whole load went by.
  constexpr date::year_month_day dec10 = date::year{2026} / 12 / 10;
  put(override_key(prefix, "architecture-committee", dec10), format_override_record(skip(dec10, "offsite")));
  REQUIRE(run_until(io, [&] { return replica.overrides().size() == 4; }, poll_period + 1s));
  const auto text = log.text();
  const auto first = text.find("value over");
  CHECK(text.find("value over", first + 1) == std::string::npos);
  replica.sync->stop();
  CHECK(run_until(io, [&] { return replica.stopped; }, 5s));
}

TEST_CASE("the local overrides are copied into etcd once: an unskip made since survives the first replica's restart",
          "[etcd][overrides]") {
  EtcdCluster cluster(1);
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  // Backend none until now: the admin skipped Dec 24 into the replica's own overrides.log.
  const katabot::test::TempDir state("katabot-overrides-restart");
  REQUIRE(OverrideLog(state.path()).set(skip(dec24, "holidays")));
  auto first = std::make_unique<Replica>(io, cluster.endpoints(), state.path());
  Replica other(io, cluster.endpoints());
  REQUIRE(run_until(io, [&] { return first->sync->settled() && other.sync->settled(); }, 10s));
  REQUIRE(etcd_holds(io, other.client, dec24));
  REQUIRE(time_until(io, [&] { return other.overrides() == std::vector{skip(dec24, "holidays")}; }, propagation_bound));

  // Unskipped on the other replica: the key is deleted from etcd.
  REQUIRE(other.store.change_schedule({true, skip(dec24, "")}).problem.empty());
  REQUIRE(etcd_holds(io, other.client, dec24, false));
  REQUIRE(time_until(io, [&] { return first->overrides().empty(); }, propagation_bound));

  // The first replica restarts; its overrides.log still holds the skip.
  first->sync->stop();
  REQUIRE(run_until(io, [&] { return first->stopped; }, 5s));
  first.reset();
  Replica restarted(io, cluster.endpoints(), state.path());
  REQUIRE(run_until(io, [&] { return restarted.sync->settled(); }, 10s));
  CHECK(etcd_holds(io, restarted.client, dec24, false));
  CHECK(restarted.overrides().empty());
  CHECK(other.overrides().empty());

  restarted.sync->stop();
  other.sync->stop();
  CHECK(run_until(io, [&] { return restarted.stopped && other.stopped; }, 5s));
}

TEST_CASE("a replica started while etcd is down plans no reminders until it has etcd's overrides, then skips the call",
          "[etcd][overrides]") {
  EtcdCluster cluster(1);
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  auto admin = std::make_unique<Replica>(io, cluster.endpoints());
  REQUIRE(run_until(io, [&] { return admin->sync->settled(); }, 10s));
  REQUIRE(admin->store.change_schedule({false, skip(dec24, "holidays")}).problem.empty());
  REQUIRE(etcd_holds(io, admin->client, dec24));
  admin->sync->stop();
  REQUIRE(run_until(io, [&] { return admin->stopped; }, 5s));
  admin.reset();

  cluster.kill(0);
  Replica late(io, cluster.endpoints());
  const auto planning = planning_snapshots(late.sync.get(), late.store);
  // Inside the 15-minute reminder's window of the skipped call, as a new leader's first pass would be.
  const std::chrono::sys_seconds in_window = date::sys_days{dec24} + std::chrono::hours{12} + std::chrono::minutes{50};
  const auto dec24_reminders = [&](const KnowledgeBase& knowledge) {
    auto plan = plan_reminders(knowledge.meetings(), {{Platform::slack, {"#kata-dev"}}}, in_window,
                               [](const ReminderKey&) { return false; });
    std::erase_if(plan.due, [](const auto& due) { return date::floor<date::days>(due.key.occurrence) != date::sys_days{dec24}; });
    return plan.due;
  };
  // What the store shows meanwhile lacks the skip: planned on it, the reminder would be posted.
  const auto unknown = dec24_reminders(*late.store.snapshot());
  REQUIRE_FALSE(unknown.empty());
  CHECK(unknown.front().action != ReminderAction::cancelled);
  // So nothing is planned while etcd does not answer (the event awaited must not come).
  CHECK_FALSE(run_until(io, [&] { return late.sync->settled() || planning() != nullptr; }, 2s));

  // etcd comes back while the replica runs (its retries go on meanwhile).
  const auto rescheduled = late.changes;
  Steady::time_point healthy_at;
  auto back = std::async(std::launch::async, [&] {
    cluster.restart(0);
    const bool healthy = cluster.wait_healthy();
    healthy_at = Steady::now();
    return healthy;
  });
  const bool settled = run_until(io, [&] { return late.sync->settled(); }, 3 * poll_period);
  const auto settled_at = Steady::now();
  REQUIRE(back.get());
  REQUIRE(settled);
  std::printf("shared overrides: a replica started while etcd was down loaded them %lld ms after etcd was healthy again\n",
              in_ms(settled_at - healthy_at));
  // Retried every second (first_load_retry_cap), not every poll period (5 s): at most that second
  // after the attempt etcd failed as it became healthy (a read it held while it had no raft leader
  // fails at the election), and the load itself on a loaded machine.
  CHECK(settled_at - healthy_at < poll_period / 2);
  CHECK(late.changes > rescheduled);       // the leader's scheduler is told to plan now
  const auto knowledge = planning();
  REQUIRE(knowledge != nullptr);
  const auto known = dec24_reminders(*knowledge);
  REQUIRE_FALSE(known.empty());
  for (const auto& due : known) CHECK(due.action == ReminderAction::cancelled);

  late.sync->stop();
  CHECK(run_until(io, [&] { return late.stopped; }, 5s));
}
