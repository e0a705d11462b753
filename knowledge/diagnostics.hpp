#pragma once
// A problem found in an input file, reported as FILE:LINE:COL: message (1-based line and column).
#include <string>
#include <vector>

namespace katabot {

struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  std::string to_string() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace katabot
