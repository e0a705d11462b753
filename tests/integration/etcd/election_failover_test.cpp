// Several electors (each on its own io_context thread, like separate processes) against a real
// 3-member etcd cluster: exactly one leads, and leadership moves on when the leader dies, pauses,
// resigns or loses its lease, or when etcd itself loses members. Killing a replica freezes its
// io_context: no keepalive, no revoke, exactly what SIGKILL leaves behind on the network.
// Each case prints the failover it measured.
#include <catch2/catch.hpp>

#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bot/config.hpp"
#include "bot/coordination/elector.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot;
using namespace katabot::coordination;
using katabot::test::EtcdCluster;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr const char* prefix = "/katabot-test/";

// Every leadership change of every replica, in the order they happened.
class Timeline {
 public:
  struct Entry {
    int replica;
    enum Kind { became, lost, frozen } kind;
    std::int64_t epoch;
    LossReason reason;
    Clock::time_point at;
  };

  void record(Entry entry) {
    {
      std::lock_guard lock(mutex_);
      entries_.push_back(entry);
    }
    changed_.notify_all();
  }

  // Waits (bounded) for the first entry after position `from` matching `match`; its index.
  template <class Match>
  std::optional<std::size_t> wait_for(std::size_t from, Match match, Clock::duration timeout) {
    std::unique_lock lock(mutex_);
    std::optional<std::size_t> found;
    changed_.wait_until(lock, Clock::now() + timeout, [&] {
      for (auto i = from; i < entries_.size(); ++i) {
        if (match(entries_[i])) {
          found = i;
          return true;
        }
      }
      return false;
    });
    return found;
  }

  std::optional<std::size_t> wait_for_leader(std::size_t from, Clock::duration timeout, int other_than = -1) {
    return wait_for(from, [&](const Entry& e) { return e.kind == Entry::became && e.replica != other_than; }, timeout);
  }

  Entry at(std::size_t index) {
    std::lock_guard lock(mutex_);
    return entries_[index];
  }

  std::size_t size() {
    std::lock_guard lock(mutex_);
    return entries_.size();
  }

  // True when no two replicas were ever leading at the same time (a frozen replica acts no more).
  bool never_two_leaders() {
    std::lock_guard lock(mutex_);
    std::map<int, bool> leading;
    for (const auto& entry : entries_) {
      if (entry.kind == Entry::became) {
        for (const auto& [replica, is_leading] : leading) {
          if (is_leading && replica != entry.replica) return false;
        }
      }
      leading[entry.replica] = entry.kind == Entry::became;
    }
    return true;
  }

 private:
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Entry> entries_;
};

CoordinationConfig test_config(const EtcdCluster& cluster, int replica, std::chrono::seconds ttl) {
  CoordinationConfig config;
  config.backend = CoordinationConfig::Backend::etcd;
  config.identity = "replica-" + std::to_string(replica);
  config.key_prefix = prefix;
  config.lease_ttl = ttl;
  config.retry_period = 1s;
  config.safety_margin = 1s;
  config.request_timeout = 1s;
  config.etcd.endpoints = cluster.endpoints();
  return config;
}

// One bot replica: an Elector on its own io_context thread.
class Replica {
 public:
  Replica(int index, const CoordinationConfig& config, Timeline& timeline)
      : index_(index),
        timeline_(timeline),
        elector_(io_.get_executor(), config,
                 ElectorEvents{[this](std::int64_t epoch) {
                                 timeline_.record({index_, Timeline::Entry::became, epoch, {}, Clock::now()});
                               },
                               [this](std::int64_t epoch, LossReason reason) {
                                 timeline_.record({index_, Timeline::Entry::lost, epoch, reason, Clock::now()});
                               }}) {
    boost::asio::co_spawn(io_, elector_.run(), [this](std::exception_ptr) { finished_.set_value(); });
    thread_ = std::thread([this] { io_.run(); });
  }

  ~Replica() { freeze(); }

  // SIGKILL or SIGSTOP as the network sees it: nothing more is sent.
  void freeze() {
    if (!thread_.joinable()) return;
    io_.stop();
    thread_.join();
    timeline_.record({index_, Timeline::Entry::frozen, 0, {}, Clock::now()});
  }

  // SIGCONT: the replica carries on with whatever it believed before.
  void thaw() {
    io_.restart();
    thread_ = std::thread([this] { io_.run(); });
  }

  // SIGTERM: resign (revoking the lease) and wait for run() to finish, bounded.
  bool stop(Clock::duration timeout) {
    boost::asio::post(io_, [this] { elector_.stop(); });
    const bool finished = finished_.get_future().wait_for(timeout) == std::future_status::ready;
    freeze();
    return finished;
  }

  template <class F>
  auto ask(F question) {
    auto answer = boost::asio::post(io_, std::packaged_task<decltype(question())()>(question));
    REQUIRE(answer.wait_for(5s) == std::future_status::ready);
    return answer.get();
  }

  std::string holder() { return ask([this] { return elector_.holder(); }); }
  bool may_act() { return ask([this] { return elector_.may_act(); }); }

 private:
  int index_;
  Timeline& timeline_;
  boost::asio::io_context io_;
  Elector elector_;
  std::promise<void> finished_;  // run() returned
  std::thread thread_;
};

double seconds(Clock::duration duration) { return std::chrono::duration<double>(duration).count(); }

// How long after `since` another replica than `old_leader` led (recorded after `mark`); prints it
// as "etcd <what>: N s". Fails the test when none leads within `timeout`.
Clock::duration takeover(Timeline& timeline, std::size_t mark, int old_leader, Clock::time_point since,
                         Clock::duration timeout, const char* what) {
  const auto next = timeline.wait_for_leader(mark, timeout, old_leader);
  REQUIRE(next);
  const auto took = timeline.at(*next).at - since;
  std::printf("etcd %s: %.2f s\n", what, seconds(took));
  return took;
}

struct Rig {
  explicit Rig(int replicas, std::chrono::seconds ttl_ = 5s) : ttl(ttl_) {
    REQUIRE(cluster.wait_healthy());
    for (int i = 0; i < replicas; ++i) {
      this->replicas.push_back(std::make_unique<Replica>(i, test_config(cluster, i, ttl), timeline));
    }
  }

  // The replica that leads first; fails the test if none does within a TTL.
  int first_leader() {
    const auto found = timeline.wait_for_leader(0, ttl + 5s);
    REQUIRE(found);
    return timeline.at(*found).replica;
  }

  std::chrono::seconds ttl;
  EtcdCluster cluster;
  Timeline timeline;
  std::vector<std::unique_ptr<Replica>> replicas;
};

}  // namespace

TEST_CASE("three electors: exactly one leads and the others name it", "[etcd][election]") {
  Rig rig(3);
  const auto leader = rig.first_leader();
  // Several poll periods in which a second leader would have shown up.
  CHECK_FALSE(rig.timeline.wait_for_leader(0, 3s, leader));
  for (auto& replica : rig.replicas) CHECK(replica->holder() == "replica-" + std::to_string(leader));
  CHECK(rig.timeline.never_two_leaders());
}

// The failover targets (TTL + 1 s; TTL + 4 s with the raft leader killed too) are the tests/ha
// scenarios S2 and S3, measured on separate processes. Here, beside other tests on a loaded CI
// machine, the bound is for correctness: another leads once the lease ran out, not "never" nor
// after a second TTL.
constexpr auto failover_slack = 6s;

TEST_CASE("the leader killed: another leads once its lease ran out", "[etcd][election][failover]") {
  Rig rig(2, 10s);
  const auto leader = rig.first_leader();
  const auto first = rig.timeline.at(0);
  // Killed right after winning: the worst case, with its whole lease still ahead.
  const auto mark = rig.timeline.size();
  const auto killed_at = Clock::now();
  rig.replicas[static_cast<std::size_t>(leader)]->freeze();
  CHECK(takeover(rig.timeline, mark, leader, killed_at, 2 * rig.ttl, "failover, bot leader killed (TTL 10 s)") <=
        rig.ttl + failover_slack);
  CHECK(rig.timeline.at(rig.timeline.size() - 1).epoch > first.epoch);
  CHECK(rig.timeline.never_two_leaders());
}

TEST_CASE("the leader resigns on shutdown: a follower takes over without waiting for its lease", "[etcd][election][failover]") {
  Rig rig(2, 10s);
  const auto leader = rig.first_leader();
  const auto mark = rig.timeline.size();
  const auto stopped_at = Clock::now();
  CHECK(rig.replicas[static_cast<std::size_t>(leader)]->stop(5s));
  const auto lost = rig.timeline.wait_for(mark, [&](const Timeline::Entry& e) { return e.kind == Timeline::Entry::lost; }, 1s);
  REQUIRE(lost);
  CHECK(rig.timeline.at(*lost).reason == LossReason::shutdown);
  // Unrevoked, the lease would outlive the last keepalive (a third of the TTL before the stop at the
  // latest) by a TTL: 6.7 s or more. The 1.5 s target is the tests/ha scenario S8.
  CHECK(takeover(rig.timeline, mark, leader, stopped_at, rig.ttl, "graceful handover (leader stopped)") <= 4s);
  CHECK(rig.timeline.never_two_leaders());
}

TEST_CASE("the leader's lease revoked or its key deleted behind its back: it steps down at once", "[etcd][election]") {
  Rig rig(2);
  const auto leader = rig.first_leader();
  boost::asio::io_context io;
  EtcdClient admin(io.get_executor(), katabot::test::client_settings(rig.cluster.endpoints()));
  const auto run = [&](auto call) { return katabot::test::finish(io, std::move(call)); };
  const auto key = run(admin.range(std::string(prefix) + "leader", Clock::now() + 5s));
  REQUIRE(key.value);
  REQUIRE(key.value->kvs.size() == 1);

  SECTION("lease revoked") {
    const auto mark = rig.timeline.size();
    const auto revoked_at = Clock::now();
    REQUIRE(run(admin.revoke(key.value->kvs[0].lease, Clock::now() + 5s)).value);
    const auto lost = rig.timeline.wait_for(mark, [&](const Timeline::Entry& e) { return e.kind == Timeline::Entry::lost; }, 5s);
    REQUIRE(lost);
    CHECK(rig.timeline.at(*lost).replica == leader);
    CHECK((rig.timeline.at(*lost).reason == LossReason::lease_lost || rig.timeline.at(*lost).reason == LossReason::deposed));
    CHECK(rig.timeline.at(*lost).at - revoked_at <= 2s);  // one poll period, plus a request
    REQUIRE(rig.timeline.wait_for_leader(mark, 5s));
  }
  SECTION("key deleted") {
    const auto mark = rig.timeline.size();
    REQUIRE(run(admin.remove(std::string(prefix) + "leader", Clock::now() + 5s)).value);
    const auto lost = rig.timeline.wait_for(mark, [&](const Timeline::Entry& e) { return e.kind == Timeline::Entry::lost; }, 5s);
    REQUIRE(lost);
    CHECK(rig.timeline.at(*lost).reason == LossReason::deposed);
    REQUIRE(rig.timeline.wait_for_leader(mark, 5s));
  }
  // No never_two_leaders() here: taking the key away behind the leader's back is the one way to
  // overlap (until its next check); in operation only the lease's expiry removes the key, and the
  // leader's local deadline comes first.
}

TEST_CASE("the etcd raft leader killed: the bot keeps one leader", "[etcd][election][failover]") {
  Rig rig(2, 10s);
  const auto leader = rig.first_leader();
  const auto etcd_leader = rig.cluster.leader();
  REQUIRE(etcd_leader);
  const auto mark = rig.timeline.size();
  rig.cluster.kill(*etcd_leader);
  REQUIRE(rig.cluster.leader());  // the other two elect a new raft leader
  // Keepalives resume through the surviving members long before the lease could run out.
  const auto change = rig.timeline.wait_for(mark, [](const Timeline::Entry&) { return true; }, 12s);
  std::printf("etcd raft leader killed: bot leader %s\n", change ? "changed" : "kept its leadership");
  CHECK_FALSE(change);
  CHECK(rig.replicas[static_cast<std::size_t>(leader)]->holder() == "replica-" + std::to_string(leader));
}

TEST_CASE("the bot leader and the etcd raft leader killed together: another leads once the lease ran out",
          "[etcd][election][failover]") {
  Rig rig(2, 10s);
  const auto leader = rig.first_leader();
  const auto etcd_leader = rig.cluster.leader();
  REQUIRE(etcd_leader);
  const auto mark = rig.timeline.size();
  const auto killed_at = Clock::now();
  rig.replicas[static_cast<std::size_t>(leader)]->freeze();
  rig.cluster.kill(*etcd_leader);
  // The new raft leader extends every lease by a whole TTL and an election timeout (1 s) when it
  // takes over (etcd's lease promotion), so the bot's takeover is the raft election, that, the expiry
  // scan and two writes: 14.83 s in an ASan build beside another test. Two more seconds than above,
  // still short of a second TTL.
  CHECK(takeover(rig.timeline, mark, leader, killed_at, 2 * rig.ttl + 5s,
                 "failover, bot leader and etcd raft leader killed (TTL 10 s)") <= rig.ttl + failover_slack + 2s);
  CHECK(rig.timeline.never_two_leaders());
}

TEST_CASE("quorum lost: the leader steps down before its lease could expire, and nobody leads", "[etcd][election]") {
  Rig rig(2);
  const auto leader = rig.first_leader();
  const auto mark = rig.timeline.size();
  const auto lost_quorum_at = Clock::now();
  rig.cluster.pause(0);
  rig.cluster.pause(1);
  const auto lost = rig.timeline.wait_for(mark, [](const Timeline::Entry& e) { return e.kind == Timeline::Entry::lost; },
                                          rig.ttl + 2s);
  REQUIRE(lost);
  const auto step_down = rig.timeline.at(*lost);
  std::printf("etcd quorum lost: leader stepped down after %.2f s (TTL %lld s)\n", seconds(step_down.at - lost_quorum_at),
              static_cast<long long>(rig.ttl.count()));
  CHECK(step_down.replica == leader);
  CHECK(step_down.reason == LossReason::renew_timeout);
  // The lease ends at the earliest TTL after the last keepalive, which was sent before the pause.
  CHECK(step_down.at - lost_quorum_at < rig.ttl - 1s + 500ms);
  CHECK_FALSE(rig.timeline.wait_for_leader(mark, rig.ttl));  // a whole TTL without quorum: nobody leads

  rig.cluster.resume(0);
  rig.cluster.resume(1);
  const auto back_at = Clock::now();
  // The members need a few seconds to elect a raft leader again; then the old leader's lease is
  // revoked at once, or (if that replica is gone too) lives one more TTL from the raft election.
  const auto next = rig.timeline.wait_for_leader(mark, 2 * rig.ttl + 5s);
  REQUIRE(next);
  std::printf("etcd quorum back: a leader after %.2f s\n", seconds(rig.timeline.at(*next).at - back_at));
  CHECK(rig.timeline.never_two_leaders());
}

TEST_CASE("a paused leader resumes after another took over and steps down before acting", "[etcd][election]") {
  Rig rig(2);
  const auto leader = rig.first_leader();
  auto& paused = *rig.replicas[static_cast<std::size_t>(leader)];
  const auto mark = rig.timeline.size();
  paused.freeze();
  const auto next = rig.timeline.wait_for_leader(mark, rig.ttl + 5s, leader);
  REQUIRE(next);
  const auto resumed_from = rig.timeline.size();
  paused.thaw();
  const auto first = rig.timeline.wait_for(
      resumed_from, [&](const Timeline::Entry& e) { return e.replica == leader; }, 5s);
  REQUIRE(first);
  CHECK(rig.timeline.at(*first).kind == Timeline::Entry::lost);
  CHECK(rig.timeline.at(*first).reason == LossReason::renew_timeout);
  CHECK_FALSE(paused.may_act());
  CHECK(rig.timeline.never_two_leaders());
}

TEST_CASE("the etcd member listed first paused: the electors still elect a leader, who keeps leading",
          "[etcd][election]") {
  EtcdCluster cluster;
  REQUIRE(cluster.wait_healthy());
  cluster.pause(0);  // accepts connections and never answers; the other two are a quorum
  const auto paused_at = Clock::now();
  const auto ttl = 5s;
  Timeline timeline;
  std::vector<std::unique_ptr<Replica>> replicas;
  for (int i = 0; i < 2; ++i) replicas.push_back(std::make_unique<Replica>(i, test_config(cluster, i, ttl), timeline));

  // Leaders are elected within the TTL (etcd may first elect a new raft leader if member 0 was it).
  const auto won = timeline.wait_for_leader(0, ttl + 3s);
  REQUIRE(won);
  std::printf("etcd leader with the first endpoint paused: %.2f s\n", seconds(timeline.at(*won).at - paused_at));
  // Keepalives get through too: no step-down in two TTLs.
  CHECK_FALSE(timeline.wait_for(*won, [](const Timeline::Entry& e) { return e.kind == Timeline::Entry::lost; }, 2 * ttl));
  CHECK(timeline.never_two_leaders());
  replicas.clear();
  cluster.resume(0);
}
