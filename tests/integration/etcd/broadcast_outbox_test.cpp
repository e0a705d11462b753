// The broadcast outbox against a real etcd: a follower leaves an announcement, the leader's term
// posts it exactly once (two consumers of the same epoch race for it), a deposed epoch's consumer
// posts nothing, and stale or foreign entries are dropped unposted.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>

#include "bot/coordination/broadcast_outbox.hpp"
#include "bot/coordination/broadcast_outbox_codec.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot;
using namespace katabot::coordination;
using namespace katabot::test;

namespace {

constexpr const char* prefix = "/katabot-outbox-test/";

const std::string leader_key = std::string(prefix) + "leader";

// One consumer of a term, counting what it posts and how often it judged an entry.
struct Consumer {
  Consumer(boost::asio::io_context& io, EtcdClient& client, std::int64_t epoch)
      : outbox(io.get_executor(), client, {prefix, {leader_key, epoch}, 2s, 100ms},
               [this] {
                 ++entries_judged;
                 return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
               },
               [this](const Broadcast& broadcast) { posted.push_back(broadcast); }) {
    boost::asio::co_spawn(io, outbox.run(), [this](std::exception_ptr) { ended = true; });
  }
  BroadcastOutboxConsumer outbox;
  std::vector<Broadcast> posted;
  int entries_judged = 0;
  bool ended = false;
};

void stop(boost::asio::io_context& io, std::initializer_list<Consumer*> consumers) {
  for (auto* consumer : consumers) consumer->outbox.stop();
  const auto all_ended = [&] { return std::ranges::all_of(consumers, [](const Consumer* each) { return each->ended; }); };
  REQUIRE(run_until(io, all_ended, 20s));
}

std::size_t entries_left(boost::asio::io_context& io, EtcdClient& client) {
  const auto left = finish(io, client.range_page(outbox_prefix(prefix), coordination::RangePage{.limit = 100}, deadline_in(5s)));
  REQUIRE(left.value);
  return left.value->kvs.size();
}

}  // namespace

TEST_CASE("a follower's broadcast is posted once by the leader's term, never by a deposed one", "[etcd][outbox]") {
  EtcdCluster cluster(1);
  REQUIRE(cluster.wait_healthy());
  boost::asio::io_context io;
  EtcdClient client(io.get_executor(), client_settings(cluster.endpoints()));
  EtcdClient second_client(io.get_executor(), client_settings(cluster.endpoints()));
  BroadcastOutboxWriter follower(client, prefix, "replica-b", 2s);

  const auto [first_lease, first_epoch] = take_leader_key(io, client, leader_key, "replica-a");
  REQUIRE_FALSE(finish(io, follower.leave(Broadcast{"ac", "agenda is up", true}, "alice")));
  OutboxEntry stale{Broadcast{"ac", "two hours ago", false}, "bob", "replica-b",
                    std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now()) - 2h};
  REQUIRE(finish(io, client.put(outbox_prefix(prefix) + "0-stale", *outbox_entry_json(stale), deadline_in(5s))).value);
  REQUIRE(finish(io, client.put(outbox_prefix(prefix) + "1-foreign", "not json", deadline_in(5s))).value);

  {
    Consumer leader(io, client, first_epoch);
    REQUIRE(run_until(io, [&] { return !leader.posted.empty(); }, 20s));  // the last key of the load
    stop(io, {&leader});
    REQUIRE(leader.posted.size() == 1);
    CHECK(leader.posted[0].meeting_id == "ac");
    CHECK(leader.posted[0].text == "agenda is up");
    CHECK(leader.posted[0].with_reminder);
  }
  CHECK(entries_left(io, client) == 0);  // the stale and the foreign entry were dropped, unposted

  // replica-a's lease ends; replica-c leads. A broadcast left now belongs to the new epoch only.
  REQUIRE(finish(io, client.revoke(first_lease, deadline_in(5s))).value);
  const auto second_epoch = take_leader_key(io, client, leader_key, "replica-c").epoch;
  CHECK(second_epoch > first_epoch);
  REQUIRE_FALSE(finish(io, follower.leave(Broadcast{"ac", "skipped: holidays", false}, "alice")));
  {
    Consumer deposed(io, client, first_epoch);
    REQUIRE(run_until(io, [&] { return deposed.entries_judged >= 2; }, 20s));  // two loads saw it
    stop(io, {&deposed});
    CHECK(deposed.posted.empty());
  }
  CHECK(entries_left(io, client) == 1);

  Consumer current(io, client, second_epoch);
  Consumer rival(io, second_client, second_epoch);  // the same term twice: the take decides
  REQUIRE(run_until(io, [&] { return current.posted.size() + rival.posted.size() >= 1; }, 20s));
  stop(io, {&current, &rival});
  CHECK(current.posted.size() + rival.posted.size() == 1);
  CHECK(entries_left(io, client) == 0);
}
