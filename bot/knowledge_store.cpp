#include "bot/knowledge_store.hpp"

namespace katabot {

KnowledgeStore::KnowledgeStore(std::filesystem::path dir, CommandWords reserved)
    : dir_(std::move(dir)), reserved_(std::move(reserved)) {}

Diagnostics KnowledgeStore::reload() {
  Diagnostics diagnostics;
  if (auto loaded = KnowledgeBase::load(dir_, reserved_, diagnostics)) current_ = std::move(loaded);
  return diagnostics;
}

Diagnostics carry_out(Reply& reply, KnowledgeStore& store) {
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
