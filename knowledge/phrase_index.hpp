#pragma once
// Finds every known phrase in a text in one pass (Aho-Corasick over normalized bytes), so the cost
// of matching a message stays flat however many topics and keywords the knowledge base holds.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace katabot {

// Lower-case ASCII letters and digits, every other run of bytes (punctuation, spaces) folded into
// one space, padded with a space at each end so that matches fall on word boundaries. Bytes of
// multi-byte UTF-8 characters are kept, so non-English words still match themselves.
std::string normalize_for_matching(std::string_view text);

class PhraseIndex {
 public:
  struct Hit {
    std::uint32_t value;
    std::uint32_t words;  // how many words the phrase has: longer phrases are stronger evidence
  };

  // Adds a phrase (normalized here) that reports `value` when found. Call build() before find().
  void add(std::string_view phrase, std::uint32_t value);
  void build();
  // Every occurrence of every phrase in `normalized_text` (from normalize_for_matching).
  std::vector<Hit> find(std::string_view normalized_text) const;

  std::size_t phrase_count() const { return phrase_count_; }

 private:
  struct Node {
    std::vector<std::pair<unsigned char, std::uint32_t>> next;  // sorted by byte
    std::uint32_t fail = 0;
    std::uint32_t output_link = 0;  // nearest suffix node that ends a phrase (0: none)
    std::vector<Hit> outputs;
  };
  std::uint32_t child(std::uint32_t node, unsigned char byte) const;
  std::uint32_t step(std::uint32_t state, unsigned char byte) const;

  std::vector<Node> nodes_{1};
  std::size_t phrase_count_ = 0;
};

}  // namespace katabot
