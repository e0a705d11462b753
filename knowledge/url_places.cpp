#include "knowledge/url_places.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

constexpr std::array<std::string_view, 4> schemes = {"https://", "http://", "webcal://", "mailto:"};
// Knowledge files are a few levels deep (topics → topic → links → link); far more is a mistake
// or an attack on the recursion below.
constexpr int max_depth = 32;

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(),
                    [](char lower, char c) { return std::tolower(static_cast<unsigned char>(c)) == lower; });
}

bool ends_url(unsigned char c) {
  return c <= ' ' || c == 0x7f || c == '<' || c == '>' || c == '|' || c == '"' || c == '\'' || c == '`' || c == '\\';
}

// "(see https://a.b/c)." → "https://a.b/c": sentence punctuation and an unmatched closing
// bracket belong to the prose, not to the URL.
std::string_view trim_prose(std::string_view url) {
  for (;;) {
    const char last = url.back();
    const auto unmatched = [&](char open, char close) {
      return last == close && std::count(url.begin(), url.end(), open) < std::count(url.begin(), url.end(), close);
    };
    if (std::string_view(".,;:!?*").find(last) != std::string_view::npos || unmatched('(', ')') ||
        unmatched('[', ']')) {
      url.remove_suffix(1);
    } else {
      return url;
    }
  }
}

// A copy of the text, not the YAML::Node: assigning Nodes (as sorting does) rewrites the document.
struct ScalarAt {
  std::size_t offset;
  std::string text;
  bool is_value;
};

void collect_scalars(YamlReader& reader, const YAML::Node& node, int depth, bool is_value,
                     std::vector<ScalarAt>& scalars) {
  if (depth > max_depth) {
    reader.error(node, "nested more than " + std::to_string(max_depth) + " levels deep");
    return;
  }
  if (node.IsScalar()) {
    scalars.push_back({node.Mark().pos < 0 ? 0 : static_cast<std::size_t>(node.Mark().pos), node.Scalar(), is_value});
  } else if (node.IsSequence()) {
    for (const auto& item : node) collect_scalars(reader, item, depth + 1, true, scalars);
  } else if (node.IsMap()) {
    for (const auto& entry : node) {
      collect_scalars(reader, entry.first, depth + 1, false, scalars);
      collect_scalars(reader, entry.second, depth + 1, true, scalars);
    }
  }
}

std::pair<int, int> line_and_column(std::string_view text, std::size_t offset) {
  const auto before = text.substr(0, offset);
  const auto line_start = before.rfind('\n');
  const auto column = line_start == std::string_view::npos ? offset : offset - line_start - 1;
  return {static_cast<int>(std::count(before.begin(), before.end(), '\n')) + 1, static_cast<int>(column) + 1};
}

}  // namespace

std::vector<UrlInText> find_urls(std::string_view text) {
  std::vector<UrlInText> urls;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i > 0 && std::isalnum(static_cast<unsigned char>(text[i - 1]))) continue;
    const auto scheme = std::find_if(schemes.begin(), schemes.end(),
                                     [&](std::string_view s) { return starts_with_ignoring_case(text.substr(i), s); });
    if (scheme == schemes.end()) continue;
    auto end = i + scheme->size();
    while (end < text.size() && !ends_url(static_cast<unsigned char>(text[end]))) ++end;
    const auto url = trim_prose(text.substr(i, end - i));
    if (url.size() > scheme->size()) urls.push_back({i, url});
    i = end;
  }
  return urls;
}

std::vector<UrlPlace> find_url_places(const std::string& yaml_text, const std::string& file_name,
                                      Diagnostics& diagnostics) {
  YamlReader reader(file_name, diagnostics);
  const auto root = reader.load_string(yaml_text);
  if (!root) return {};
  std::vector<ScalarAt> scalars;
  collect_scalars(reader, *root, 0, true, scalars);
  std::stable_sort(scalars.begin(), scalars.end(), [](const auto& a, const auto& b) { return a.offset < b.offset; });
  // An alias repeats its anchor's node, at the anchor's place: one visit is enough.
  scalars.erase(std::unique(scalars.begin(), scalars.end(),
                            [](const auto& a, const auto& b) { return a.offset == b.offset; }),
                scalars.end());

  // A value's text is found in the file between its own start and the next scalar's: the exact
  // place even inside a block scalar. An escaped URL in a quoted string is not written verbatim;
  // it is reported at the start of its value.
  std::vector<UrlPlace> places;
  for (std::size_t i = 0; i < scalars.size(); ++i) {
    if (!scalars[i].is_value) continue;
    const auto start = std::min(scalars[i].offset, yaml_text.size());
    const auto stop = i + 1 < scalars.size() ? scalars[i + 1].offset : yaml_text.size();
    auto cursor = start;
    for (const auto& found : find_urls(scalars[i].text)) {
      const auto at = yaml_text.find(found.url, cursor);
      const auto offset = at != std::string::npos && at < stop ? at : start;
      if (at != std::string::npos && at < stop) cursor = at + found.url.size();
      const auto [line, column] = line_and_column(yaml_text, offset);
      places.push_back({std::string(found.url), file_name, line, column});
    }
  }
  return places;
}

}  // namespace katabot
