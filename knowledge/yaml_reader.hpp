#pragma once
// Typed access to a YAML document that records every problem (with file:line:col) instead of
// stopping at the first, so a user sees all mistakes of a file in one run.
#include <functional>
#include <initializer_list>
#include <map>
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

  // The most a configuration or knowledge file may hold; ours are a few dozen KiB.
  static constexpr std::size_t max_file_bytes = 4 * 1024 * 1024;

  // Parses the file; records a problem and returns std::nullopt when it is not a regular file, is
  // too large, is not UTF-8, has a syntax error, an alias or a duplicate key.
  std::optional<YAML::Node> load_file();
  std::optional<YAML::Node> load_string(const std::string& text);

  void error(const YAML::Node& at, const std::string& message);
  void error(const YAML::Mark& at, const std::string& message);

  // Reports keys of `map` that are not in `allowed` ("unknown key 'x' in topic (known: a, b)").
  void reject_unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                           std::string_view where);

  bool expect_map(const YAML::Node& node, std::string_view what);
  bool expect_sequence(const YAML::Node& node, std::string_view what);

  // Required/optional scalars: a missing or blank required key, or a wrong type, is recorded.
  std::optional<std::string> required_string(const YAML::Node& map, std::string_view key, std::string_view where);
  std::string optional_string(const YAML::Node& map, std::string_view key, std::string fallback = {});
  std::optional<bool> optional_bool(const YAML::Node& map, std::string_view key);
  std::optional<long> optional_integer(const YAML::Node& map, std::string_view key);
  std::vector<std::string> string_list(const YAML::Node& map, std::string_view key);
  // Same, but tells a missing key (nullopt) apart from an empty list.
  std::optional<std::vector<std::string>> optional_string_list(const YAML::Node& map, std::string_view key);

  // Marks a scalar whose text came from ${NAME} substitution (`variables`: "${NAME}"), so that
  // messages name the variable instead of printing what may be a secret.
  void note_substitution(const YAML::Node& scalar, std::string variables);
  // How a message shows the value of `node`: 'shown' (its text by default), or "(the value of ${NAME})".
  std::string shown_value(const YAML::Node& node) const;
  std::string shown_value(const YAML::Node& node, std::string_view shown) const;

  const std::string& file() const { return file_; }
  Diagnostics& diagnostics() { return diagnostics_; }

 private:
  void error_at_offset(const std::string& text, std::size_t offset, const std::string& message);

  std::string file_;
  Diagnostics& diagnostics_;
  std::map<std::pair<int, int>, std::string> substituted_;  // (line, column) of a scalar → its variables
};

// Lower-case ASCII copy, for case-insensitive keys and command words.
std::string ascii_lower(std::string_view text);
// True for http(s) or mailto URLs with a plausible host / address and no spaces.
bool is_valid_url(std::string_view url);

}  // namespace katabot
