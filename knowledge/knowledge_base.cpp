#include "knowledge/knowledge_base.hpp"

#include <algorithm>
#include <map>

#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

// Values stored in the keyword index: the subject kind in the low bit, its index above.
constexpr std::uint32_t encode(Subject subject) {
  return (static_cast<std::uint32_t>(subject.index) << 1) | (subject.kind == Subject::Kind::meeting ? 1U : 0U);
}
constexpr Subject decode(std::uint32_t value) {
  return {(value & 1U) ? Subject::Kind::meeting : Subject::Kind::topic, value >> 1};
}

// How much one word counts, by where it stands: names and titles say what a subject is, details
// mention many things in passing.
constexpr float name_weight = 3;
constexpr float keyword_weight = 2;
constexpr float summary_weight = 1.5F;
constexpr float details_weight = 1;

// Free-text confidence, in BM25 points (one rare word of a title scores about 3 with this
// knowledge base): at least sure_score and clearly ahead of the second best answers; from
// unsure_score on, the two best are offered.
constexpr float sure_score = 2.0F;
constexpr float sure_lead = 1.05F;
constexpr float unsure_score = 1.2F;
// A keyword phrase said word for word ("what is kata containers") is the surest evidence there is:
// this much per word of the phrase, on top of the ranking.
constexpr float keyword_phrase_bonus = 1.5F;
// Candidates read from the ranking before keyword phrases are added: enough for a phrase to lift
// any of them to the top.
constexpr std::size_t ranked_candidates = 8;

// The words of Slack mrkdwn as a reader sees them: link labels without their URLs, and without the
// `/kata word` pointers to other topics (they are about those topics, not this one).
std::string prose_of(std::string_view mrkdwn) {
  std::string prose;
  for (std::size_t i = 0; i < mrkdwn.size(); ++i) {
    const char c = mrkdwn[i];
    if (c == '`' && mrkdwn.substr(i + 1).starts_with("/kata ")) {
      const auto close = mrkdwn.find('`', i + 1);
      if (close != std::string_view::npos) i = close;
      prose += ' ';
    } else if (c == '<') {
      const auto close = mrkdwn.find('>', i);
      const auto bar = mrkdwn.find('|', i);
      if (close == std::string_view::npos) continue;
      if (bar != std::string_view::npos && bar < close) prose += mrkdwn.substr(bar + 1, close - bar - 1);
      prose += ' ';
      i = close;
    } else if (mrkdwn.substr(i).starts_with("http://") || mrkdwn.substr(i).starts_with("https://")) {
      while (i + 1 < mrkdwn.size() && mrkdwn[i + 1] != ' ' && mrkdwn[i + 1] != '\n') ++i;
      prose += ' ';
    } else {
      prose += c;
    }
  }
  return prose;
}

std::vector<Document> documents_of(const std::vector<Topic>& topics, const std::vector<Meeting>& meetings,
                                   const std::vector<Synonyms>& synonyms) {
  std::vector<Document> documents;
  for (const auto& topic : topics) {
    Document document{{topic.title, name_weight}, {topic.id, name_weight}, {topic.summary, summary_weight},
                      {prose_of(topic.details), details_weight}};
    for (const auto& alias : topic.aliases) document.push_back({alias, name_weight});
    for (const auto& keyword : topic.keywords) document.push_back({keyword, keyword_weight});
    documents.push_back(std::move(document));
  }
  for (const auto& meeting : meetings) {
    Document document{{meeting.title, name_weight}, {meeting.id, name_weight}, {meeting.description, summary_weight}};
    for (const auto& keyword : meeting.keywords) document.push_back({keyword, keyword_weight});
    documents.push_back(std::move(document));
  }
  for (const auto& entry : synonyms) {
    auto& document = documents[entry.subject.kind == Subject::Kind::topic ? entry.subject.index
                                                                          : topics.size() + entry.subject.index];
    for (const auto& word : entry.words) document.push_back({word, keyword_weight});
  }
  return documents;
}

}  // namespace

KnowledgeBase::KnowledgeBase(std::vector<Topic> topics, std::vector<Meeting> meetings, std::vector<Synonyms> synonyms)
    : topics_(std::move(topics)), meetings_(std::move(meetings)) {
  auto indexes = std::make_shared<Indexes>(Indexes{{}, Retrieval(documents_of(topics_, meetings_, synonyms)), {}});
  for (std::size_t i = 0; i < topics_.size(); ++i) {
    for (const auto& keyword : topics_[i].keywords) indexes->keywords.add(keyword, encode(Subject{Subject::Kind::topic, i}));
  }
  for (std::size_t i = 0; i < meetings_.size(); ++i) {
    for (const auto& keyword : meetings_[i].keywords) indexes->keywords.add(keyword, encode(Subject{Subject::Kind::meeting, i}));
  }
  indexes->keywords.build();
  for (std::size_t i = 0; i < topics_.size(); ++i) {
    indexes->topic_by_word.emplace(topics_[i].id, i);
    for (const auto& alias : topics_[i].aliases) indexes->topic_by_word.emplace(alias, i);
  }
  indexes_ = std::move(indexes);
}

KnowledgeBase::KnowledgeBase(std::vector<Topic> topics, std::vector<Meeting> meetings, std::shared_ptr<const Indexes> indexes)
    : topics_(std::move(topics)), meetings_(std::move(meetings)), indexes_(std::move(indexes)) {}

std::shared_ptr<const KnowledgeBase> KnowledgeBase::with_overrides(std::vector<std::vector<OccurrenceOverride>> overrides) const {
  auto meetings = meetings_;
  for (std::size_t i = 0; i < meetings.size() && i < overrides.size(); ++i) meetings[i].overrides = std::move(overrides[i]);
  return std::shared_ptr<const KnowledgeBase>(new KnowledgeBase(topics_, std::move(meetings), indexes_));
}

std::shared_ptr<const KnowledgeBase> KnowledgeBase::load(const std::filesystem::path& dir,
                                                         const CommandWords& reserved,
                                                         Diagnostics& diagnostics) {
  const auto before = diagnostics.size();
  auto topics = load_topics((dir / "topics.yaml").string(), reserved, diagnostics);
  auto meetings = load_meetings((dir / "meetings.yaml").string(), diagnostics);
  std::vector<Synonyms> synonyms;
  if (const auto path = dir / "synonyms.yaml"; std::filesystem::exists(path) && diagnostics.size() == before) {
    synonyms = load_synonyms(path.string(), topics, meetings, diagnostics);
  }
  if (diagnostics.size() != before) return nullptr;
  return std::make_shared<const KnowledgeBase>(std::move(topics), std::move(meetings), std::move(synonyms));
}

const Topic* KnowledgeBase::find_topic(std::string_view word) const {
  const auto found = indexes_->topic_by_word.find(ascii_lower(word));
  return found == indexes_->topic_by_word.end() ? nullptr : &topics_[found->second];
}

const Meeting* KnowledgeBase::find_meeting(std::string_view id) const {
  for (const auto& meeting : meetings_) {
    if (meeting.id == id) return &meeting;
  }
  return nullptr;
}

std::optional<Subject> KnowledgeBase::match_keywords(std::string_view text) const {
  std::map<std::uint32_t, std::uint32_t> scores;  // encoded subject → words of its phrases found
  for (const auto& hit : indexes_->keywords.find(normalize_for_matching(text))) scores[hit.value] += hit.words;
  std::optional<Subject> best;
  std::uint32_t best_score = 0;
  for (const auto& [key, score] : scores) {
    if (score > best_score) {
      best_score = score;
      best = decode(key);
    }
  }
  return best;
}

Subject KnowledgeBase::subject_of_document(std::uint32_t document) const {
  if (document < topics_.size()) return {Subject::Kind::topic, document};
  return {Subject::Kind::meeting, document - topics_.size()};
}

FreeTextMatch KnowledgeBase::match_free_text(std::string_view text) const {
  auto ranked = indexes_->retrieval.rank(text, ranked_candidates);
  const auto document_of = [&](Subject subject) {
    return static_cast<std::uint32_t>(subject.kind == Subject::Kind::topic ? subject.index : topics_.size() + subject.index);
  };
  const auto bounded = text.substr(0, std::min(text.size(), Retrieval::max_question_bytes));
  for (const auto& hit : indexes_->keywords.find(normalize_for_matching(bounded))) {
    const auto document = document_of(decode(hit.value));
    const auto found = std::find_if(ranked.begin(), ranked.end(), [&](const auto& r) { return r.document == document; });
    const float bonus = keyword_phrase_bonus * static_cast<float>(hit.words);
    if (found == ranked.end()) {
      ranked.push_back({document, bonus});
    } else {
      found->score += bonus;
    }
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.score != b.score ? a.score > b.score : a.document < b.document;
  });
  if (ranked.size() > 2) ranked.resize(2);
  FreeTextMatch match;
  if (ranked.empty() || ranked[0].score < unsure_score) return match;
  const float second = ranked.size() > 1 ? ranked[1].score : 0;
  if (ranked[0].score >= sure_score && ranked[0].score >= sure_lead * second) {
    match.confidence = FreeTextMatch::Confidence::sure;
    match.candidates = {subject_of_document(ranked[0].document)};
    return match;
  }
  match.confidence = FreeTextMatch::Confidence::unsure;
  for (const auto& scored : ranked) {
    if (scored.score >= unsure_score) match.candidates.push_back(subject_of_document(scored.document));
  }
  return match;
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
