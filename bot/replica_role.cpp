#include "bot/replica_role.hpp"

namespace katabot {

using coordination::Role;

std::string describe_role(const ReplicaView& view) {
  switch (view.role) {
    case Role::standalone: return "standalone";
    case Role::leader: return "leader (epoch " + std::to_string(view.epoch) + ")";
    default: break;
  }
  const std::string role(coordination::role_name(view.role));
  return role + (view.holder.empty() ? " (no leader known)" : " (leader: " + view.holder + ")");
}

bool leads(const ReplicaView& view) { return view.role == Role::standalone || view.role == Role::leader; }

std::string leader_only_note(const ReplicaView& view, bool announcement) {
  const std::string what = announcement ? "the announcement" : "the change";
  const std::string here = " (this replica, " + view.identity + ", is not the leader)";
  if (view.holder.empty()) {
    return "No leader is elected right now (the coordinator is unreachable or an election is under way): the next "
           "leader posts " + what + " to the meeting's channels once elected, if within an hour" + here + ".";
  }
  return "The leader, " + view.holder + ", posts " + what + " to the meeting's channels in a moment" + here + ".";
}

}  // namespace katabot
