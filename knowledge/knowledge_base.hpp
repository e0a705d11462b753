#pragma once
// An immutable snapshot of everything the bot knows: topics, meetings, synonyms and the indexes over
// them. A reload builds a new snapshot and swaps it in only when it validates.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "knowledge/meetings.hpp"
#include "knowledge/phrase_index.hpp"
#include "knowledge/retrieval.hpp"
#include "knowledge/subject.hpp"
#include "knowledge/synonyms.hpp"
#include "knowledge/topics.hpp"

namespace katabot {

// The subjects a question is about, and how sure that is: a sure match answers, an unsure one
// offers the two best, none gets the help pointer.
struct FreeTextMatch {
  enum class Confidence { none, unsure, sure } confidence = Confidence::none;
  std::vector<Subject> candidates;  // best first: one when sure, up to two when unsure
};

class KnowledgeBase {
 public:
  KnowledgeBase(std::vector<Topic> topics, std::vector<Meeting> meetings, std::vector<Synonyms> synonyms = {});

  // Loads topics.yaml, meetings.yaml and (when present) synonyms.yaml from `dir`. Command words in `reserved` (built-in commands)
  // may not be used as topic ids or aliases. Returns null when any problem was recorded.
  static std::shared_ptr<const KnowledgeBase> load(const std::filesystem::path& dir,
                                                   const CommandWords& reserved,
                                                   Diagnostics& diagnostics);

  // This snapshot with overrides[i] as the skips and moves of meeting i (the admins' changes from
  // chat; `overrides` has one entry per meeting). They change when a meeting happens, never a text,
  // so the indexes are shared with this snapshot rather than built again.
  std::shared_ptr<const KnowledgeBase> with_overrides(std::vector<std::vector<OccurrenceOverride>> overrides) const;

  const std::vector<Topic>& topics() const { return topics_; }
  const std::vector<Meeting>& meetings() const { return meetings_; }

  // Topic whose id or alias is `word` (case-insensitive).
  const Topic* find_topic(std::string_view word) const;
  const Meeting* find_meeting(std::string_view id) const;
  const Topic& topic(const Subject& subject) const { return topics_[subject.index]; }
  const Meeting& meeting(const Subject& subject) const { return meetings_[subject.index]; }

  // Channel chatter: the subject whose keywords the text mentions most strongly, if any.
  std::optional<Subject> match_keywords(std::string_view text) const;
  // A question addressed to the bot, ranked against the whole text of every subject (title, ids,
  // aliases, keywords, synonyms, summary, details; a meeting's title, description and keywords).
  FreeTextMatch match_free_text(std::string_view text) const;

  // Every id and alias, for help and did-you-mean.
  std::vector<std::string> command_words() const;

 private:
  Subject subject_of_document(std::uint32_t document) const;

  struct Indexes {
    PhraseIndex keywords;
    Retrieval retrieval;
    // Every id and alias → its topic (the first topic naming it), so that a command word costs the
    // same whatever the number of topics.
    std::unordered_map<std::string, std::size_t> topic_by_word;  // index in topics_
  };
  KnowledgeBase(std::vector<Topic> topics, std::vector<Meeting> meetings, std::shared_ptr<const Indexes> indexes);

  std::vector<Topic> topics_;
  std::vector<Meeting> meetings_;
  // Built from the text of the topics, meetings and synonyms, and the bulk of a snapshot's memory
  // (about 1.5 MB for the shipped knowledge): shared by the snapshots with_overrides makes.
  std::shared_ptr<const Indexes> indexes_;
};

}  // namespace katabot
