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
  const std::string here = "this replica (" + view.identity + ") is not the leader";
  const std::string what = announcement ? "The announcement was not posted: " + here : "The channels were not told from here: " + here;
  if (view.holder.empty()) {
    return what + ", and no leader is elected right now (the coordinator is unreachable or an election is under way). "
                  "Reminders and announcements resume once one is.";
  }
  return what + ". Reminders and announcements are posted by the leader, " + view.holder +
         (announcement ? ": ask again in a moment, another replica may take it." : ".");
}

}  // namespace katabot
