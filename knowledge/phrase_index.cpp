#include "knowledge/phrase_index.hpp"

#include <algorithm>
#include <deque>

namespace katabot {

std::string normalize_for_matching(std::string_view text) {
  std::string normalized = " ";
  for (const unsigned char c : text) {
    if (c >= 'A' && c <= 'Z') {
      normalized += static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c >= 0x80) {
      normalized += static_cast<char>(c);
    } else if (normalized.back() != ' ') {
      normalized += ' ';
    }
  }
  if (normalized.back() != ' ') normalized += ' ';
  return normalized;
}

std::uint32_t PhraseIndex::child(std::uint32_t node, unsigned char byte) const {
  const auto& next = nodes_[node].next;
  const auto it = std::lower_bound(next.begin(), next.end(), byte, [](const auto& edge, unsigned char b) { return edge.first < b; });
  return it != next.end() && it->first == byte ? it->second : 0;
}

void PhraseIndex::add(std::string_view phrase, std::uint32_t value) {
  const auto normalized = normalize_for_matching(phrase);
  if (normalized.size() <= 2) return;  // nothing but punctuation
  std::uint32_t node = 0;
  for (const unsigned char byte : normalized) {
    auto found = child(node, byte);
    if (found == 0) {
      found = static_cast<std::uint32_t>(nodes_.size());
      auto& next = nodes_[node].next;
      next.insert(std::upper_bound(next.begin(), next.end(), byte, [](unsigned char b, const auto& edge) { return b < edge.first; }),
                  {byte, found});
      nodes_.emplace_back();
    }
    node = found;
  }
  const auto words = static_cast<std::uint32_t>(std::count(normalized.begin(), normalized.end(), ' ') - 1);
  nodes_[node].outputs.push_back({value, words});
  ++phrase_count_;
}

void PhraseIndex::build() {
  std::deque<std::uint32_t> queue;
  for (const auto& [byte, node] : nodes_[0].next) {
    nodes_[node].fail = 0;
    queue.push_back(node);
  }
  while (!queue.empty()) {
    const auto node = queue.front();
    queue.pop_front();
    for (const auto& [byte, next] : nodes_[node].next) {
      auto fallback = nodes_[node].fail;
      while (fallback != 0 && child(fallback, byte) == 0) fallback = nodes_[fallback].fail;
      const auto target = child(fallback, byte);
      nodes_[next].fail = target != next ? target : 0;
      const auto fail = nodes_[next].fail;
      nodes_[next].output_link = nodes_[fail].outputs.empty() ? nodes_[fail].output_link : fail;
      queue.push_back(next);
    }
  }
}

std::uint32_t PhraseIndex::step(std::uint32_t state, unsigned char byte) const {
  while (true) {
    if (const auto next = child(state, byte); next != 0) return next;
    if (state == 0) return 0;
    state = nodes_[state].fail;
  }
}

std::vector<PhraseIndex::Hit> PhraseIndex::find(std::string_view normalized_text) const {
  std::vector<Hit> hits;
  std::uint32_t state = 0;
  for (const unsigned char byte : normalized_text) {
    state = step(state, byte);
    for (auto node = nodes_[state].outputs.empty() ? nodes_[state].output_link : state; node != 0;
         node = nodes_[node].output_link) {
      hits.insert(hits.end(), nodes_[node].outputs.begin(), nodes_[node].outputs.end());
    }
  }
  return hits;
}

}  // namespace katabot
