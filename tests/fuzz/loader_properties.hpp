#pragma once
// What every loader promises on any bytes: either no problem at all, or problems that each point at
// the file and, when they come from the text, at a 1-based line and column.
#include <string_view>

#include "fuzz_require.hpp"
#include "knowledge/diagnostics.hpp"

namespace katabot::fuzz {

inline void check_diagnostics(const Diagnostics& diagnostics, std::string_view file) {
  for (const auto& diagnostic : diagnostics) {
    FUZZ_REQUIRE(diagnostic.file == file && !diagnostic.message.empty());
    FUZZ_REQUIRE(diagnostic.line >= 1 && diagnostic.column >= 1);
  }
}

}  // namespace katabot::fuzz
