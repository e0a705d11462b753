#include "knowledge/yaml_structure.hpp"

#include <sstream>
#include <unordered_map>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

namespace katabot {
namespace {

std::string position(const YAML::Mark& mark) {
  return std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
}

class StructureChecker final : public YAML::EventHandler {
 public:
  std::vector<YamlStructureProblem> take() {
    if (aliases_ > 1) problems_[first_alias_].message += " (" + std::to_string(aliases_) + " aliases in the file)";
    return std::move(problems_);
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override { next_node(); }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override {
    next_node();
    // One problem for all of them: a bomb holds thousands.
    if (aliases_++ > 0) return;
    first_alias_ = problems_.size();
    problems_.push_back({mark, "YAML aliases (*name) are not allowed here: write the value out"});
  }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t, const std::string& value) override {
    if (next_node()) check_key(mark, value);
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    next_node();
    open_.push_back({false, true, {}});
  }
  void OnSequenceEnd() override { open_.pop_back(); }
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {
    next_node();
    open_.push_back({true, true, {}});
  }
  void OnMapEnd() override { open_.pop_back(); }

 private:
  struct Collection {
    bool is_map;
    bool expects_key;  // in a map, keys and values alternate
    std::unordered_map<std::string, YAML::Mark> keys;
  };

  // Accounts for one more node in the innermost collection; true when that node is a mapping key.
  bool next_node() {
    if (open_.empty() || !open_.back().is_map) return false;
    auto& map = open_.back();
    const bool is_key = map.expects_key;
    map.expects_key = !map.expects_key;
    return is_key;
  }

  void check_key(const YAML::Mark& mark, const std::string& key) {
    const auto [first, inserted] = open_.back().keys.emplace(key, mark);
    if (!inserted) {
      problems_.push_back({mark, "duplicate key '" + key + "', first at " + position(first->second)});
    }
  }

  std::vector<Collection> open_;
  std::vector<YamlStructureProblem> problems_;
  std::size_t aliases_ = 0;
  std::size_t first_alias_ = 0;
};

}  // namespace

std::vector<YamlStructureProblem> find_structure_problems(const std::string& text) {
  std::istringstream stream(text);
  YAML::Parser parser(stream);
  StructureChecker checker;
  parser.HandleNextDocument(checker);
  return checker.take();
}

}  // namespace katabot
