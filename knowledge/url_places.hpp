#pragma once
// Where the knowledge files mention URLs: every http(s)://, webcal:// and mailto: URL in any value
// of topics.yaml / meetings.yaml (links, agenda, join, inside summary and details text, any field
// added later), with the file:line:col a maintainer opens to fix it. Used by --check-links.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "knowledge/diagnostics.hpp"

namespace katabot {

struct UrlInText {
  std::size_t offset = 0;  // bytes from the start of the text
  std::string_view url;
};

struct UrlPlace {
  std::string url;
  std::string file;
  int line = 0;    // 1-based
  int column = 0;  // 1-based, in bytes (as the YAML diagnostics count)
};

// URLs written in prose or Slack mrkdwn ("see <https://a.b/c|the docs>.", "mailto:x@y.z"):
// a URL ends at white space, quotes or mrkdwn's <>|, and trailing punctuation is not part of it.
std::vector<UrlInText> find_urls(std::string_view text);

// Every URL in the scalar values of the YAML document `yaml_text`, in file order. A document
// that does not parse, or nests deeper than any knowledge file does, is reported in `diagnostics`.
std::vector<UrlPlace> find_url_places(const std::string& yaml_text, const std::string& file_name,
                                      Diagnostics& diagnostics);

}  // namespace katabot
