#pragma once
// What yaml-cpp's node tree cannot show, found from the parser's events in one linear pass before
// the tree is built:
// - aliases (*name): an alias bomb of a few hundred bytes expands to billions of nodes when the tree
//   is walked, and katabot's files have no use for them, so they are refused;
// - duplicate keys in a mapping: yaml-cpp silently keeps the first ("admins:" twice loses a list).
#include <string>
#include <vector>

#include <yaml-cpp/mark.h>

namespace katabot {

struct YamlStructureProblem {
  YAML::Mark mark;
  std::string message;
};

// Checks the first document of `text`; throws YAML::ParserException on a syntax error, as YAML::Load does.
std::vector<YamlStructureProblem> find_structure_problems(const std::string& text);

}  // namespace katabot
