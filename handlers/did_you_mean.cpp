#include "handlers/did_you_mean.hpp"

#include <algorithm>

namespace katabot {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  const auto rows = a.size() + 1;
  const auto columns = b.size() + 1;
  std::vector<std::size_t> d(rows * columns);
  const auto at = [columns](std::size_t i, std::size_t j) { return i * columns + j; };
  for (std::size_t i = 0; i < rows; ++i) d[at(i, 0)] = i;
  for (std::size_t j = 0; j < columns; ++j) d[at(0, j)] = j;
  for (std::size_t i = 1; i < rows; ++i) {
    for (std::size_t j = 1; j < columns; ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[at(i, j)] = std::min({d[at(i - 1, j)] + 1, d[at(i, j - 1)] + 1, d[at(i - 1, j - 1)] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[at(i, j)] = std::min(d[at(i, j)], d[at(i - 2, j - 2)] + 1);
      }
    }
  }
  return d[at(rows - 1, columns - 1)];
}

std::vector<std::string> closest_words(std::string_view word, const std::vector<std::string>& candidates,
                                       std::size_t limit) {
  // Short words tolerate one typo, longer ones two.
  const std::size_t tolerance = word.size() <= 4 ? 1 : 2;
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    auto distance = edit_distance(word, candidate);
    if (word.size() >= 3 && candidate.starts_with(word)) distance = std::min<std::size_t>(distance, 1);
    if (distance <= tolerance) scored.emplace_back(distance, candidate);
  }
  std::stable_sort(scored.begin(), scored.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
  std::vector<std::string> words;
  for (auto& [distance, candidate] : scored) {
    if (words.size() == limit) break;
    if (std::find(words.begin(), words.end(), candidate) == words.end()) words.push_back(std::move(candidate));
  }
  return words;
}

}  // namespace katabot
