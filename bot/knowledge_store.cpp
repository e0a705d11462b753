#include "bot/knowledge_store.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace katabot {

KnowledgeStore::KnowledgeStore(std::filesystem::path dir, CommandWords reserved,
                               std::optional<std::filesystem::path> state_dir)
    : dir_(std::move(dir)), reserved_(std::move(reserved)) {
  if (state_dir) overrides_.emplace(*state_dir);
}

Diagnostics KnowledgeStore::reload() {
  Diagnostics diagnostics;
  if (auto loaded = KnowledgeBase::load(dir_, reserved_, diagnostics)) {
    loaded_ = std::move(loaded);
    publish();
  }
  return diagnostics;
}

bool KnowledgeStore::change_schedule(const ScheduleChange& change) {
  if (!overrides_) return false;
  const bool written = change.clear ? overrides_->clear(change.change.meeting_id, change.change.date)
                                    : overrides_->set(change.change);
  publish();
  return written;
}

void KnowledgeStore::prune_past_overrides(std::chrono::sys_seconds now) {
  if (overrides_) overrides_->compact(date::year_month_day{std::chrono::floor<date::days>(now) - date::days{1}});
}

void KnowledgeStore::publish() {
  if (!loaded_ || !overrides_) {
    current_ = loaded_;
    return;
  }
  const auto& meetings = loaded_->meetings();
  std::vector<std::vector<OccurrenceOverride>> overrides(meetings.size());
  for (const auto& change : overrides_->overrides()) {
    const auto meeting = std::find_if(meetings.begin(), meetings.end(), [&](const auto& m) { return m.id == change.meeting_id; });
    if (meeting == meetings.end()) {
      spdlog::warn("override log: meeting '{}' of the override on {} is not in meetings.yaml any more; ignored",
                   change.meeting_id, date::format("%F", change.date));
      continue;
    }
    overrides[meeting - meetings.begin()].push_back(change);
  }
  current_ = loaded_->with_overrides(std::move(overrides));
}

Diagnostics carry_out(Reply& reply, KnowledgeStore& store) {
  if (reply.schedule_change && !store.change_schedule(*reply.schedule_change)) {
    reply.text += "\nWarning: the change could not be saved to disk; it is lost at the next restart.";
    reply.mrkdwn += "\nWarning: the change could not be saved to disk; it is lost at the next restart.";
  }
  if (reply.action != Action::reload_knowledge) return {};
  auto problems = store.reload();
  const auto& knowledge = *store.snapshot();
  if (problems.empty()) {
    reply.text = "Reloaded: " + std::to_string(knowledge.topics().size()) + " topics, " +
                 std::to_string(knowledge.meetings().size()) + " meetings.";
  } else {
    reply.text = "Reload failed with " + std::to_string(problems.size()) + " problem(s); the previous knowledge base stays in use:";
    for (const auto& problem : problems) reply.text += "\n" + problem.to_string();
  }
  reply.mrkdwn = escape_mrkdwn(reply.text);
  return problems;
}

}  // namespace katabot
