#include "knowledge/yaml_reader.hpp"

#include <algorithm>
#include <cctype>

#include "knowledge/regular_file.hpp"
#include "knowledge/utf8_check.hpp"
#include "knowledge/yaml_structure.hpp"

namespace katabot {
namespace {

std::string hex_byte(char c) {
  static constexpr char digits[] = "0123456789ABCDEF";
  const auto byte = static_cast<unsigned char>(c);
  return {digits[byte >> 4], digits[byte & 0xF]};
}

}  // namespace

std::optional<YAML::Node> YamlReader::load_file() {
  auto contents = read_regular_file(file_, max_file_bytes);
  if (!contents.problem.empty()) {
    diagnostics_.push_back({file_, 0, 0, contents.problem});
    return std::nullopt;
  }
  return load_string(contents.text);
}

std::optional<YAML::Node> YamlReader::load_string(const std::string& text) {
  if (const auto bad = first_invalid_utf8(text)) {
    error_at_offset(text, *bad, "not valid UTF-8 (byte 0x" + hex_byte(text[*bad]) + "): save the file as UTF-8");
    return std::nullopt;
  }
  try {
    const auto problems = find_structure_problems(text);
    for (const auto& problem : problems) error(problem.mark, problem.message);
    if (!problems.empty()) return std::nullopt;
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    error(e.mark, e.msg);
    return std::nullopt;
  }
}

void YamlReader::error_at_offset(const std::string& text, std::size_t offset, const std::string& message) {
  const auto before = std::string_view(text).substr(0, offset);
  const auto last_newline = before.rfind('\n');
  // Columns count bytes, as yaml-cpp's do.
  const auto column = last_newline == std::string_view::npos ? offset : offset - last_newline - 1;
  const auto line = std::count(before.begin(), before.end(), '\n');
  diagnostics_.push_back({file_, static_cast<int>(line) + 1, static_cast<int>(column) + 1, message});
}

void YamlReader::note_substitution(const YAML::Node& scalar, std::string variables) {
  substituted_[{scalar.Mark().line, scalar.Mark().column}] = std::move(variables);
}

std::string YamlReader::shown_value(const YAML::Node& node) const {
  return shown_value(node, node.IsScalar() ? std::string_view(node.Scalar()) : std::string_view());
}

std::string YamlReader::shown_value(const YAML::Node& node, std::string_view shown) const {
  if (node) {
    if (const auto found = substituted_.find({node.Mark().line, node.Mark().column}); found != substituted_.end()) {
      return "(the value of " + found->second + ")";
    }
  }
  return "'" + std::string(shown) + "'";
}

void YamlReader::error(const YAML::Mark& at, const std::string& message) {
  if (at.is_null()) {
    // yaml-cpp has no position for an empty document: the problem is the file's start.
    diagnostics_.push_back({file_, 1, 1, message});
  } else {
    diagnostics_.push_back({file_, at.line + 1, at.column + 1, message});
  }
}

void YamlReader::error(const YAML::Node& at, const std::string& message) { error(at.Mark(), message); }

void YamlReader::reject_unknown_keys(const YAML::Node& map, std::initializer_list<std::string_view> allowed,
                                     std::string_view where) {
  if (!map.IsMap()) return;
  for (const auto& entry : map) {
    const auto key = entry.first.as<std::string>("");
    if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
    std::string known;
    for (auto name : allowed) known += (known.empty() ? "" : ", ") + std::string(name);
    error(entry.first, "unknown key '" + key + "' in " + std::string(where) + " (known keys: " + known + ")");
  }
}

bool YamlReader::expect_map(const YAML::Node& node, std::string_view what) {
  if (node.IsMap()) return true;
  error(node, std::string(what) + " must be a mapping");
  return false;
}

bool YamlReader::expect_sequence(const YAML::Node& node, std::string_view what) {
  if (node.IsSequence()) return true;
  error(node, std::string(what) + " must be a list");
  return false;
}

std::optional<std::string> YamlReader::required_string(const YAML::Node& map, std::string_view key,
                                                       std::string_view where) {
  const auto node = map[std::string(key)];
  if (!node) {
    error(map, "missing key '" + std::string(key) + "' in " + std::string(where));
    return std::nullopt;
  }
  if (!node.IsScalar()) {
    error(node, "'" + std::string(key) + "' must be a text value");
    return std::nullopt;
  }
  // `key: ""` and a tag with nothing after it (`key: !x`) are scalars too.
  if (node.Scalar().find_first_not_of(" \t") == std::string::npos) {
    error(node, "'" + std::string(key) + "' in " + std::string(where) + " is empty");
    return std::nullopt;
  }
  return node.Scalar();
}

std::string YamlReader::optional_string(const YAML::Node& map, std::string_view key, std::string fallback) {
  const auto node = map[std::string(key)];
  if (!node || node.IsNull()) return fallback;
  if (!node.IsScalar()) {
    error(node, "'" + std::string(key) + "' must be a text value");
    return fallback;
  }
  return node.Scalar();
}

std::optional<bool> YamlReader::optional_bool(const YAML::Node& map, std::string_view key) {
  const auto node = map[std::string(key)];
  if (!node || node.IsNull()) return std::nullopt;
  bool value = false;
  if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
    error(node, "'" + std::string(key) + "' must be true or false, not " + shown_value(node));
    return std::nullopt;
  }
  return value;
}

std::optional<long> YamlReader::optional_integer(const YAML::Node& map, std::string_view key) {
  const auto node = map[std::string(key)];
  if (!node || node.IsNull()) return std::nullopt;
  long value = 0;
  if (!node.IsScalar() || !YAML::convert<long>::decode(node, value)) {
    error(node, "'" + std::string(key) + "' must be a whole number, not " + shown_value(node));
    return std::nullopt;
  }
  return value;
}

std::optional<std::vector<std::string>> YamlReader::optional_string_list(const YAML::Node& map,
                                                                         std::string_view key) {
  const auto node = map[std::string(key)];
  if (!node || node.IsNull()) return std::nullopt;
  std::vector<std::string> values;
  if (!expect_sequence(node, "'" + std::string(key) + "'")) return values;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      error(item, "items of '" + std::string(key) + "' must be text values");
      continue;
    }
    values.push_back(item.Scalar());
  }
  return values;
}

std::vector<std::string> YamlReader::string_list(const YAML::Node& map, std::string_view key) {
  return optional_string_list(map, key).value_or(std::vector<std::string>{});
}

std::string ascii_lower(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

bool is_valid_url(std::string_view url) {
  if (url.find_first_of(" \t\r\n<>\"") != std::string_view::npos) return false;
  if (url.starts_with("mailto:")) {
    const auto at = url.find('@');
    return at != std::string_view::npos && at > 7 && at + 1 < url.size() && url.find('.', at) != std::string_view::npos;
  }
  std::string_view rest;
  if (url.starts_with("https://")) {
    rest = url.substr(8);
  } else if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else {
    return false;
  }
  const auto host = rest.substr(0, rest.find_first_of("/?#"));
  if (host.empty() || host.find('.') == std::string_view::npos || host.front() == '.' || host.back() == '.') {
    return false;
  }
  return std::all_of(host.begin(), host.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '.' || c == '-' || c == ':';
  });
}

}  // namespace katabot
