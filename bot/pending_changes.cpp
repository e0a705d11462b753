#include "bot/pending_changes.hpp"

#include <algorithm>

namespace katabot {

void PendingChanges::forget_expired(time_point now) {
  while (!pending_.empty() && now - pending_.front().at > kept_for) pending_.pop_front();
}

void PendingChanges::remember(const ScheduleChange& change, Conversation where, time_point now) {
  forget_expired(now);
  if (pending_.size() == capacity) pending_.pop_front();
  pending_.push_back({change, std::move(where), now});
}

std::optional<Conversation> PendingChanges::take(const ScheduleChange& change, time_point now) {
  forget_expired(now);
  const auto found = std::ranges::find_if(pending_, [&](const Pending& pending) {
    return pending.change.clear == change.clear && pending.change.change == change.change;
  });
  if (found == pending_.end()) return std::nullopt;
  auto where = std::move(found->where);
  pending_.erase(found);
  return where;
}

}  // namespace katabot
