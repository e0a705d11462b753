#pragma once
// Ranks documents against a free-text question: BM25 over Snowball-stemmed words and adjacent word
// pairs, with a word in a title counting more than a word in the details. The inverted index is
// built once; a question costs at most max_query_terms postings lists of at most
// max_postings_per_term entries each, however many documents there are.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace katabot {

struct WeightedText {
  std::string text;
  float weight;  // how much one occurrence counts, relative to a word of the body
};
using Document = std::vector<WeightedText>;

class Retrieval {
 public:
  static constexpr std::size_t max_query_terms = 24;
  static constexpr std::size_t max_postings_per_term = 256;
  // Only this much of a question is read: no real question is longer.
  static constexpr std::size_t max_question_bytes = 1000;

  struct Scored {
    std::uint32_t document;
    float score;
  };

  explicit Retrieval(const std::vector<Document>& documents);

  // The best `limit` documents for `question`, best first; documents sharing no term are left out.
  std::vector<Scored> rank(std::string_view question, std::size_t limit) const;

  std::size_t term_count() const { return postings_.size(); }

 private:
  struct Posting {
    std::uint32_t document;
    float impact;  // this term's whole BM25 contribution to the document, computed at build time
  };
  // The indexed term for a question word, allowing one typo in words of five letters or more.
  const std::vector<Posting>* postings_for(const std::string& stem, std::string_view surface) const;
  // Sorts near_spellings_ for lookup and keeps at most a few words per variant.
  void index_near_spellings();

  struct Spelling {
    std::string surface;  // a word as the documents write it
    std::string stem;
  };

  std::unordered_map<std::string, std::vector<Posting>> postings_;
  std::vector<Spelling> spellings_;  // each distinct word of the documents long enough for typos
  // The hash of each such word and of its one-letter deletions → its index in spellings_, sorted by
  // hash, so that "secruity" finds "security" without comparing it to every word known. Hashes
  // instead of the variants' text: a few hundred kB instead of megabytes; two variants sharing a
  // hash only cost a within-one-edit check more.
  struct NearSpelling {
    std::size_t variant_hash;
    std::uint32_t spelling;
  };
  std::vector<NearSpelling> near_spellings_;
};

}  // namespace katabot
