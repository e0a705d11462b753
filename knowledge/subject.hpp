#pragma once
// What an answer is about: a topic or a meeting of the knowledge base.
#include <cstddef>

namespace katabot {

struct Subject {
  enum class Kind { topic, meeting } kind;
  std::size_t index;
  bool operator==(const Subject&) const = default;
};

}  // namespace katabot
