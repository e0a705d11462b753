#pragma once
// What a replica says about its part in the election: on /readyz, in `status`, and in the answer to
// an admin command whose side effect only the leader carries out (an announcement, the channels
// told of a skip or a move). Pure: the app fills ReplicaView from its Elector.
#include <cstdint>
#include <string>

#include "bot/coordination/election.hpp"

namespace katabot {

struct ReplicaView {
  coordination::Role role = coordination::Role::standalone;
  std::string identity;  // this replica
  std::string holder;    // the leader's identity, "" when none is known
  std::int64_t epoch = 0;  // while leading
};

// "standalone", "leader (epoch 42)", "follower (leader: replica-b)", "candidate (no leader known)".
std::string describe_role(const ReplicaView& view);

// Whether this replica runs the leader-only work (IRC, reminders, announcements).
bool leads(const ReplicaView& view);

// Appended to the answer of a command whose posts only the leader makes, when this replica does
// not lead: the post went to the broadcast outbox, and who posts it (the leader, named, or the next
// one elected). `announcement`: the command itself was a post (announce), not a change the channels
// are told of.
std::string leader_only_note(const ReplicaView& view, bool announcement);

}  // namespace katabot
