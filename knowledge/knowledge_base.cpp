#include "knowledge/knowledge_base.hpp"

#include <map>

#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

// Values stored in the phrase index: subject kind in the low bit, subject index above it, and a
// weight class so that a keyword counts more than a word of a title.
constexpr std::uint32_t encode(Subject subject, std::uint32_t weight) {
  return (static_cast<std::uint32_t>(subject.index) << 4) | (weight << 1) |
         (subject.kind == Subject::Kind::meeting ? 1U : 0U);
}
constexpr Subject decode_subject(std::uint32_t value) {
  return {(value & 1U) ? Subject::Kind::meeting : Subject::Kind::topic, value >> 4};
}
constexpr std::uint32_t decode_weight(std::uint32_t value) { return (value >> 1) & 7U; }

constexpr std::uint32_t keyword_weight = 3;
constexpr std::uint32_t command_weight = 2;
constexpr std::uint32_t title_weight = 1;

std::string spaced(std::string_view command_word) {
  std::string text(command_word);
  for (auto& c : text) {
    if (c == '-') c = ' ';
  }
  return text;
}

}  // namespace

KnowledgeBase::KnowledgeBase(std::vector<Topic> topics, std::vector<Meeting> meetings)
    : topics_(std::move(topics)), meetings_(std::move(meetings)) {
  for (std::size_t i = 0; i < topics_.size(); ++i) {
    const Subject subject{Subject::Kind::topic, i};
    for (const auto& keyword : topics_[i].keywords) {
      keyword_index_.add(keyword, encode(subject, keyword_weight));
      free_text_index_.add(keyword, encode(subject, keyword_weight));
    }
    free_text_index_.add(spaced(topics_[i].id), encode(subject, command_weight));
    for (const auto& alias : topics_[i].aliases) free_text_index_.add(spaced(alias), encode(subject, command_weight));
    free_text_index_.add(topics_[i].title, encode(subject, title_weight));
  }
  for (std::size_t i = 0; i < meetings_.size(); ++i) {
    const Subject subject{Subject::Kind::meeting, i};
    for (const auto& keyword : meetings_[i].keywords) {
      keyword_index_.add(keyword, encode(subject, keyword_weight));
      free_text_index_.add(keyword, encode(subject, keyword_weight));
    }
    free_text_index_.add(meetings_[i].title, encode(subject, title_weight));
  }
  keyword_index_.build();
  free_text_index_.build();
}

std::shared_ptr<const KnowledgeBase> KnowledgeBase::load(const std::filesystem::path& dir,
                                                         const CommandWords& reserved,
                                                         Diagnostics& diagnostics) {
  const auto before = diagnostics.size();
  auto topics = load_topics((dir / "topics.yaml").string(), reserved, diagnostics);
  auto meetings = load_meetings((dir / "meetings.yaml").string(), diagnostics);
  if (diagnostics.size() != before) return nullptr;
  return std::make_shared<const KnowledgeBase>(std::move(topics), std::move(meetings));
}

const Topic* KnowledgeBase::find_topic(std::string_view word) const {
  const auto lowered = ascii_lower(word);
  for (const auto& topic : topics_) {
    if (topic.id == lowered) return &topic;
    for (const auto& alias : topic.aliases) {
      if (alias == lowered) return &topic;
    }
  }
  return nullptr;
}

const Meeting* KnowledgeBase::find_meeting(std::string_view id) const {
  for (const auto& meeting : meetings_) {
    if (meeting.id == id) return &meeting;
  }
  return nullptr;
}

std::optional<Subject> KnowledgeBase::best_match(const PhraseIndex& index, std::string_view text) const {
  std::map<std::uint32_t, std::uint32_t> scores;  // subject key (weight bits cleared) → score
  for (const auto& hit : index.find(normalize_for_matching(text))) {
    scores[hit.value & ~(7U << 1)] += decode_weight(hit.value) * hit.words;
  }
  std::optional<Subject> best;
  std::uint32_t best_score = 0;
  for (const auto& [key, score] : scores) {
    if (score > best_score) {
      best_score = score;
      best = decode_subject(key);
    }
  }
  return best;
}

std::optional<Subject> KnowledgeBase::match_keywords(std::string_view text) const {
  return best_match(keyword_index_, text);
}

std::optional<Subject> KnowledgeBase::match_free_text(std::string_view text) const {
  return best_match(free_text_index_, text);
}

std::vector<std::string> KnowledgeBase::command_words() const {
  std::vector<std::string> words;
  for (const auto& topic : topics_) {
    words.push_back(topic.id);
    words.insert(words.end(), topic.aliases.begin(), topic.aliases.end());
  }
  return words;
}

}  // namespace katabot
