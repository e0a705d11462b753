#pragma once
// An immutable snapshot of everything the bot knows: topics, meetings and the phrase indexes over
// them. A reload builds a new snapshot and swaps it in only when it validates.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/meetings.hpp"
#include "knowledge/phrase_index.hpp"
#include "knowledge/topics.hpp"

namespace katabot {

// What a phrase points at: a topic or a meeting.
struct Subject {
  enum class Kind { topic, meeting } kind;
  std::size_t index;
  bool operator==(const Subject&) const = default;
};

class KnowledgeBase {
 public:
  KnowledgeBase(std::vector<Topic> topics, std::vector<Meeting> meetings);

  // Loads topics.yaml and meetings.yaml from `dir`. Command words in `reserved` (built-in commands)
  // may not be used as topic ids or aliases. Returns null when any problem was recorded.
  static std::shared_ptr<const KnowledgeBase> load(const std::filesystem::path& dir,
                                                   const CommandWords& reserved,
                                                   Diagnostics& diagnostics);

  const std::vector<Topic>& topics() const { return topics_; }
  const std::vector<Meeting>& meetings() const { return meetings_; }

  // Topic whose id or alias is `word` (case-insensitive).
  const Topic* find_topic(std::string_view word) const;
  const Meeting* find_meeting(std::string_view id) const;
  const Topic& topic(const Subject& subject) const { return topics_[subject.index]; }
  const Meeting& meeting(const Subject& subject) const { return meetings_[subject.index]; }

  // Channel chatter: the subject whose keywords the text mentions most strongly, if any.
  std::optional<Subject> match_keywords(std::string_view text) const;
  // Text addressed to the bot: keywords, ids, aliases and titles all count.
  std::optional<Subject> match_free_text(std::string_view text) const;

  // Every id and alias, for help and did-you-mean.
  std::vector<std::string> command_words() const;

 private:
  std::optional<Subject> best_match(const PhraseIndex& index, std::string_view text) const;

  std::vector<Topic> topics_;
  std::vector<Meeting> meetings_;
  PhraseIndex keyword_index_;
  PhraseIndex free_text_index_;
};

}  // namespace katabot
