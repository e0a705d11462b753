#include "handlers/did_you_mean.hpp"

#include <algorithm>
#include <numeric>

#include "knowledge/utf8_cut.hpp"

namespace katabot {
namespace {

constexpr std::size_t max_tolerance = 2;

// Short words tolerate one typo, longer ones two.
std::size_t tolerance_for(std::string_view word) { return word.size() <= 4 ? 1 : max_tolerance; }

std::size_t length_gap(std::string_view a, std::string_view b) {
  return a.size() > b.size() ? a.size() - b.size() : b.size() - a.size();
}

}  // namespace

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Rows i-2, i-1 and i of the full matrix: the transposition looks two rows back, and nothing
  // further back is ever read, so memory stays O(|b|).
  std::vector<std::size_t> before_previous(b.size() + 1);
  std::vector<std::size_t> previous(b.size() + 1);
  std::vector<std::size_t> current(b.size() + 1);
  std::iota(previous.begin(), previous.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        current[j] = std::min(current[j], before_previous[j - 2] + 1);
      }
    }
    std::swap(before_previous, previous);
    std::swap(previous, current);
  }
  return previous[b.size()];
}

std::vector<std::string> closest_words(std::string_view word, const std::vector<std::string>& candidates,
                                       std::size_t limit) {
  // No candidate is within tolerance of anything longer than the longest candidate plus the
  // tolerance, so the rest of a hostile word cannot change the outcome, only cost time.
  std::size_t longest = 0;
  for (const auto& candidate : candidates) longest = std::max(longest, candidate.size());
  const auto capped = utf8_prefix(word, longest + max_tolerance);
  const auto tolerance = tolerance_for(capped);

  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const auto& candidate : candidates) {
    std::size_t distance = 0;
    if (capped.size() >= 3 && candidate.starts_with(capped)) {
      distance = candidate.size() == capped.size() ? 0 : 1;
    } else if (length_gap(capped, candidate) <= tolerance) {
      // The distance is at least the length gap: only candidates that can be close are computed.
      distance = edit_distance(capped, candidate);
    } else {
      continue;
    }
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
