#pragma once
// Suggestions for a mistyped command word.
#include <string>
#include <string_view>
#include <vector>

namespace katabot {

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), in bytes.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Up to `limit` candidates close to `word` (small edit distance, or `word` a prefix of the
// candidate), closest first. Only the first (longest candidate + 2) bytes of `word` are compared,
// so the cost is bounded by the candidates, whatever the length of `word`.
std::vector<std::string> closest_words(std::string_view word, const std::vector<std::string>& candidates,
                                       std::size_t limit = 3);

}  // namespace katabot
