// What a replica says about its role (/readyz, `status`) and about leader-only commands it cannot
// carry out itself.
#include <catch2/catch.hpp>

#include "bot/replica_role.hpp"

using namespace katabot;
using coordination::Role;

TEST_CASE("the role reads as /readyz and status show it", "[replica-role]") {
  CHECK(describe_role({Role::standalone, "solo", "solo", 0}) == "standalone");
  CHECK(describe_role({Role::leader, "replica-a", "replica-a", 42}) == "leader (epoch 42)");
  CHECK(describe_role({Role::follower, "replica-a", "replica-b", 0}) == "follower (leader: replica-b)");
  CHECK(describe_role({Role::candidate, "replica-a", "", 0}) == "candidate (no leader known)");
  CHECK(leads({Role::standalone, "solo", "solo", 0}));
  CHECK(leads({Role::leader, "a", "a", 3}));
  CHECK_FALSE(leads({Role::follower, "a", "b", 0}));
  CHECK_FALSE(leads({Role::stepping_down, "a", "", 0}));
}

TEST_CASE("a follower says who posts instead of staying silent", "[replica-role]") {
  const ReplicaView follower{Role::follower, "replica-a", "replica-b", 0};
  CHECK(leader_only_note(follower, true) ==
        "The leader, replica-b, posts the announcement to the meeting's channels in a moment (this replica, "
        "replica-a, is not the leader).");
  CHECK(leader_only_note(follower, false) ==
        "The leader, replica-b, posts the change to the meeting's channels in a moment (this replica, replica-a, is "
        "not the leader).");
  const auto leaderless = leader_only_note({Role::candidate, "replica-a", "", 0}, false);
  CHECK(leaderless.find("No leader is elected right now") != std::string::npos);
  CHECK(leaderless.find("the next leader posts the change") != std::string::npos);
}
