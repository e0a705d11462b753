#include "knowledge/retrieval.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <unordered_set>

#include <libstemmer.h>

namespace katabot {
namespace {

// BM25's usual constants: how fast repeated words stop counting, and how much length matters.
constexpr float saturation = 1.2F;
constexpr float length_normalization = 0.75F;
// Words longer than this are not words people ask with (and would only cost stemming time).
constexpr std::size_t max_word_bytes = 32;
// Shorter words are too easily another word with one letter changed ("slack" / "stack" is already risky).
constexpr std::size_t min_typo_word_bytes = 5;
// Words sharing one deletion variant that are remembered: enough for real vocabularies, and a
// bound on the work per typo.
constexpr std::size_t max_spellings_per_variant = 4;

// Sorted, for binary search: words of any question ("the", "do", "find", "use", "work") that say
// nothing about its subject. Question words ("when", "who") are not here: see is_question_word.
constexpr auto stop_words = std::to_array<std::string_view>({
    "a", "about", "actually", "all", "also", "am", "an", "and", "any", "anyone", "are", "aren", "as", "at",
    "be", "been", "but", "by", "can", "cant", "could", "d", "did", "didn", "do", "does", "doesn", "doing",
    "don", "dont", "find", "for", "from", "get", "got", "had", "has", "have", "he", "her",
    "here", "hey", "hi", "his", "how", "i", "if", "im", "in", "into", "is", "isn", "it", "its", "just",
    "know", "let", "like", "ll", "look", "looking", "m", "make", "me", "might", "more", "my", "need", "of",
    "on", "one", "or", "our", "please", "pls", "plz", "re", "really", "s", "see", "she", "should", "so",
    "some", "t", "tell", "thanks", "that", "the", "their", "them", "then", "there", "these", "they", "thing",
    "things", "this", "those", "to", "us", "use", "used", "using", "ve", "want", "was", "wasn", "way", "we",
    "were", "what", "which", "will", "with", "won", "work", "working", "works", "would", "ya", "you", "your",
    "yours",
});
static_assert(std::is_sorted(stop_words.begin(), stop_words.end()));

bool is_stop_word(std::string_view word) {
  return std::binary_search(stop_words.begin(), stop_words.end(), word);
}

// Question words tell subjects apart only together with others ("when is the meeting"); alone, in
// "when is the next PTG", they must not outweigh the one word that names the subject.
constexpr float question_word_weight = 0.35F;
bool is_question_word(std::string_view word) {
  return word == "when" || word == "where" || word == "who" || word == "why" || word == "next";
}

// Snowball keeps state between calls, so each thread gets its own; the bot has one.
struct StemmerDeleter {
  void operator()(sb_stemmer* stemmer) const { sb_stemmer_delete(stemmer); }
};

std::string stem(std::string_view word) {
  thread_local const std::unique_ptr<sb_stemmer, StemmerDeleter> stemmer(sb_stemmer_new("english", "UTF_8"));
  if (!stemmer) return std::string(word);
  const auto* stemmed =
      sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(word.data()), static_cast<int>(word.size()));
  if (stemmed == nullptr) return std::string(word);
  return {reinterpret_cast<const char*>(stemmed), static_cast<std::size_t>(sb_stemmer_length(stemmer.get()))};
}

struct Word {
  std::string surface;  // lower-case, as typed
  std::string stem;
  float weight = 1;     // in a question: how much this word counts
};

// Lower-case words of `text` (ASCII letters and digits; bytes of other UTF-8 characters are kept so
// non-English words still match themselves), stop words left out, at most `max_words`.
std::vector<Word> words_of(std::string_view text, std::size_t max_words) {
  std::vector<Word> words;
  std::string current;
  const auto finish = [&] {
    if (!current.empty() && current.size() <= max_word_bytes && !is_stop_word(current)) {
      words.push_back({current, stem(current), is_question_word(current) ? question_word_weight : 1});
    }
    current.clear();
  };
  // Apostrophes split "what's" and "don't" into stop words; phones type the curly one (U+2019).
  constexpr std::string_view curly_apostrophe = "\xE2\x80\x99";
  for (std::size_t i = 0; i < text.size() && words.size() < max_words; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 'A' && c <= 'Z') {
      current += static_cast<char>(c - 'A' + 'a');
    } else if (text.substr(i).starts_with(curly_apostrophe)) {
      finish();
      i += curly_apostrophe.size() - 1;
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      current += static_cast<char>(c);
    } else {
      finish();
    }
  }
  if (words.size() < max_words) finish();
  return words;
}

// Pairs of neighbouring words are terms too, so that "code of conduct" is stronger evidence than
// "code" and "conduct" apart; they count this much of a word.
constexpr float pair_weight = 0.5F;

std::string pair_term(const Word& first, const Word& second) { return first.stem + " " + second.stem; }

// One letter inserted, deleted or replaced, or two neighbours swapped.
bool within_one_edit(std::string_view a, std::string_view b) {
  if (a.size() < b.size()) std::swap(a, b);
  if (a.size() - b.size() > 1) return false;
  std::size_t i = 0;
  while (i < b.size() && a[i] == b[i]) ++i;
  if (a.size() != b.size()) return a.substr(i + 1) == b.substr(i);
  if (i == a.size() || a.substr(i + 1) == b.substr(i + 1)) return true;
  return i + 1 < a.size() && a[i] == b[i + 1] && a[i + 1] == b[i] && a.substr(i + 2) == b.substr(i + 2);
}

// The word itself and every way of deleting one of its letters.
std::vector<std::string> one_deletion_variants(const std::string& word) {
  std::vector<std::string> variants{word};
  for (std::size_t i = 0; i < word.size(); ++i) variants.push_back(word.substr(0, i) + word.substr(i + 1));
  return variants;
}

}  // namespace

Retrieval::Retrieval(const std::vector<Document>& documents) {
  // Weighted term frequencies per document, then BM25 impacts once the lengths are known.
  std::vector<std::unordered_map<std::string, float>> frequencies(documents.size());
  std::vector<float> lengths(documents.size(), 0);
  std::unordered_set<std::string> spelled;  // words whose near spellings are already indexed

  for (std::size_t d = 0; d < documents.size(); ++d) {
    for (const auto& field : documents[d]) {
      const auto words = words_of(field.text, field.text.size());
      for (std::size_t i = 0; i < words.size(); ++i) {
        frequencies[d][words[i].stem] += field.weight;
        if (i + 1 < words.size()) frequencies[d][pair_term(words[i], words[i + 1])] += field.weight * pair_weight;
      }
      lengths[d] += field.weight * static_cast<float>(words.size());
      for (const auto& word : words) {
        if (word.surface.size() < min_typo_word_bytes || !spelled.insert(word.surface).second) continue;
        const auto spelling = static_cast<std::uint32_t>(spellings_.size());
        spellings_.push_back({word.surface, word.stem});
        for (const auto& variant : one_deletion_variants(word.surface)) {
          near_spellings_.push_back({std::hash<std::string>{}(variant), spelling});
        }
      }
    }
  }
  index_near_spellings();

  float total_length = 0;
  for (const auto length : lengths) total_length += length;
  const float average_length = documents.empty() || total_length == 0 ? 1 : total_length / static_cast<float>(documents.size());
  std::unordered_map<std::string, std::uint32_t> document_frequency;
  for (const auto& terms : frequencies) {
    for (const auto& [term, frequency] : terms) ++document_frequency[term];
  }
  const auto n = static_cast<float>(documents.size());
  for (std::size_t d = 0; d < documents.size(); ++d) {
    const float norm = saturation * (1 - length_normalization + length_normalization * lengths[d] / average_length);
    for (const auto& [term, frequency] : frequencies[d]) {
      const auto df = static_cast<float>(document_frequency[term]);
      const float idf = std::log(1 + (n - df + 0.5F) / (df + 0.5F));
      postings_[term].push_back({static_cast<std::uint32_t>(d), idf * frequency * (saturation + 1) / (frequency + norm)});
    }
  }
  // Strongest first, and only as many as a question may read: a word every document has
  // contributes almost nothing, so cutting its long tail changes no ranking that matters.
  for (auto& [term, postings] : postings_) {
    std::sort(postings.begin(), postings.end(), [](const Posting& a, const Posting& b) {
      return a.impact != b.impact ? a.impact > b.impact : a.document < b.document;
    });
    if (postings.size() > max_postings_per_term) postings.resize(max_postings_per_term);
    postings.shrink_to_fit();
  }
}

void Retrieval::index_near_spellings() {
  // Stable: the words sharing a variant keep the documents' order, and the first ones are kept.
  std::stable_sort(near_spellings_.begin(), near_spellings_.end(),
                   [](const NearSpelling& a, const NearSpelling& b) { return a.variant_hash < b.variant_hash; });
  std::size_t kept = 0;
  std::size_t same_hash = 0;
  for (std::size_t i = 0; i < near_spellings_.size(); ++i) {
    same_hash = kept > 0 && near_spellings_[kept - 1].variant_hash == near_spellings_[i].variant_hash ? same_hash + 1 : 1;
    if (same_hash <= max_spellings_per_variant) near_spellings_[kept++] = near_spellings_[i];
  }
  near_spellings_.resize(kept);
  near_spellings_.shrink_to_fit();
  spellings_.shrink_to_fit();
}

const std::vector<Retrieval::Posting>* Retrieval::postings_for(const std::string& term, std::string_view surface) const {
  if (const auto exact = postings_.find(term); exact != postings_.end()) return &exact->second;
  if (surface.size() < min_typo_word_bytes) return nullptr;
  // Sharing a one-letter deletion is necessary for one edit apart, not sufficient ("weather" and
  // "whether" share "wether"): each candidate is checked.
  for (const auto& variant : one_deletion_variants(std::string(surface))) {
    const auto hash = std::hash<std::string>{}(variant);
    const auto near = std::lower_bound(near_spellings_.begin(), near_spellings_.end(), hash,
                                       [](const NearSpelling& entry, std::size_t wanted) { return entry.variant_hash < wanted; });
    for (auto entry = near; entry != near_spellings_.end() && entry->variant_hash == hash; ++entry) {
      const auto& spelling = spellings_[entry->spelling];
      if (!within_one_edit(surface, spelling.surface)) continue;
      if (const auto found = postings_.find(spelling.stem); found != postings_.end()) return &found->second;
    }
  }
  return nullptr;
}

std::vector<Retrieval::Scored> Retrieval::rank(std::string_view question, std::size_t limit) const {
  const auto words = words_of(question.substr(0, std::min(question.size(), max_question_bytes)), max_query_terms);
  // The postings lists to read, chosen first so the score table is sized once.
  std::vector<std::pair<const std::vector<Posting>*, float>> lists;
  std::unordered_set<std::string> seen;
  const auto add = [&](const std::vector<Posting>* postings, float weight) {
    if (postings != nullptr) lists.emplace_back(postings, weight);
  };
  std::size_t used = 0;
  for (std::size_t i = 0; i < words.size() && used < max_query_terms; ++i) {
    if (seen.insert(words[i].stem).second) {
      ++used;
      add(postings_for(words[i].stem, words[i].surface), words[i].weight);
    }
    if (i + 1 < words.size() && used < max_query_terms) {
      const auto pair = pair_term(words[i], words[i + 1]);
      if (seen.insert(pair).second) {
        ++used;
        add(postings_for(pair, {}), std::min(words[i].weight, words[i + 1].weight));
      }
    }
  }
  std::size_t total = 0;
  for (const auto& [postings, weight] : lists) total += postings->size();
  std::unordered_map<std::uint32_t, float> scores;
  scores.reserve(total);
  for (const auto& [postings, weight] : lists) {
    for (const auto& posting : *postings) scores[posting.document] += weight * posting.impact;
  }
  std::vector<Scored> ranked;
  ranked.reserve(scores.size());
  for (const auto& [document, score] : scores) ranked.push_back({document, score});
  const auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score > b.score : a.document < b.document;
  };
  const auto shown = std::min(limit, ranked.size());
  std::partial_sort(ranked.begin(), ranked.begin() + static_cast<std::ptrdiff_t>(shown), ranked.end(), better);
  ranked.resize(shown);
  return ranked;
}

}  // namespace katabot
