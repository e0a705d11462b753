#include "bot/knowledge_store.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace katabot {

KnowledgeStore::KnowledgeStore(std::filesystem::path dir, CommandWords reserved,
                               std::optional<std::filesystem::path> state_dir)
    : dir_(std::move(dir)), reserved_(std::move(reserved)) {
  if (state_dir) overrides_ = std::make_unique<OverrideLog>(*state_dir);
}

void KnowledgeStore::use_overrides(std::unique_ptr<OverrideStore> store) {
  overrides_ = std::move(store);
  publish();
}

Diagnostics KnowledgeStore::reload() {
  Diagnostics diagnostics;
  if (auto loaded = KnowledgeBase::load(dir_, reserved_, diagnostics)) {
    loaded_ = std::move(loaded);
    publish();
  }
  return diagnostics;
}

SaveOutcome KnowledgeStore::change_schedule(const ScheduleChange& change) {
  if (!overrides_) return {false, "This bot keeps no schedule changes: it has no state_dir."};
  auto outcome = overrides_->record(change);
  if (outcome.in_force) publish();
  return outcome;
}

void KnowledgeStore::prune_past_overrides(std::chrono::sys_seconds now) {
  if (overrides_) overrides_->prune(date::year_month_day{std::chrono::floor<date::days>(now) - date::days{1}});
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
      spdlog::warn("overrides: meeting '{}' of the override on {} is not in meetings.yaml any more; ignored",
                   change.meeting_id, date::format("%F", change.date));
      continue;
    }
    overrides[meeting - meetings.begin()].push_back(change);
  }
  current_ = loaded_->with_overrides(std::move(overrides));
}

Diagnostics carry_out(Reply& reply, KnowledgeStore& store) {
  if (reply.schedule_change) {
    const auto outcome = store.change_schedule(*reply.schedule_change);
    if (!outcome.in_force) {
      // Nothing changed: the admin's answer is the refusal, and the meeting's channels hear nothing.
      reply.text = outcome.problem;
      reply.mrkdwn = escape_mrkdwn(outcome.problem);
      reply.broadcast.reset();
    } else if (!outcome.problem.empty()) {
      reply.text += "\nWarning: " + outcome.problem;
      reply.mrkdwn += "\nWarning: " + escape_mrkdwn(outcome.problem);
    }
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
