#pragma once
// Typed access to a YAML document that records every problem (with file:line:col) instead of
// stopping at the first, so a user sees all mistakes of a file in one run.
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "knowledge/diagnostics.hpp"

namespace katabot {

class YamlReader {
 public:
  YamlReader(std::string file, Diagnostics& diagnostics) : file_(std::move(file)), diagnostics_(diagnostics) {}

  // Parses the file; on a syntax error records it and returns std::nullopt.
  std::optional<YAML::Node> load_file();
  std::optional<YAML::Node> load_string(const std::string& text);

  void error(const YAML::Node& at, const std::string& message);
  void error(const YAML::Mark& at, const std::string& message);

  // Reports keys of `map` that are not in `allowed` ("unknown key 'x' in topic (known: a, b)").
  void reject_unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           std::string_view where);

  bool expect_map(const YAML::Node& node, std::string_view what);
  bool expect_sequence(const YAML::Node& node, std::string_view what);

  // Required/optional scalars: a missing required key or a wrong type is recorded.
  std::optional<std::string> required_string(const YAML::Node& map, std::string_view key, std::string_view where);
  std::string optional_string(const YAML::Node& map, std::string_view key, std::string fallback = {});
  std::optional<bool> optional_bool(const YAML::Node& map, std::string_view key);
  std::optional<long> optional_integer(const YAML::Node& map, std::string_view key);
  std::vector<std::string> string_list(const YAML::Node& map, std::string_view key);
  // Same, but tells a missing key (nullopt) apart from an empty list.
  std::optional<std::vector<std::string>> optional_string_list(const YAML::Node& map, std::string_view key);

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  std::string file_;
  Diagnostics& diagnostics_;
};

// Lower-case ASCII copy, for case-insensitive keys and command words.
std::string ascii_lower(std::string_view text);
// True for http(s) or mailto URLs with a plausible host / address and no spaces.
bool is_valid_url(std::string_view url);

}  // namespace katabot
