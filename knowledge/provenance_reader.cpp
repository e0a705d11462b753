#include "knowledge/provenance_reader.hpp"

#include <regex>

namespace katabot {

std::optional<date::year_month_day> parse_iso_date(const std::string& text) {
  static const std::regex pattern("([0-9]{4})-([0-9]{2})-([0-9]{2})");
  std::smatch match;
  if (!std::regex_match(text, match, pattern)) return std::nullopt;
  const date::year_month_day day{date::year{std::stoi(match[1])}, date::month{unsigned(std::stoi(match[2]))},
                                 date::day{unsigned(std::stoi(match[3]))}};
  if (!day.ok()) return std::nullopt;
  return day;
}

Provenance read_provenance(YamlReader& reader, const YAML::Node& node, const std::string& where) {
  Provenance provenance;
  provenance.source = reader.optional_string(node, "source");
  provenance.checked = reader.optional_string(node, "checked");
  if (!provenance.source.empty() && (!provenance.source.starts_with("http") || !is_valid_url(provenance.source))) {
    reader.error(node["source"], "source '" + provenance.source + "' of " + where + " is not an http(s) URL");
  }
  if (!provenance.checked.empty() && !parse_iso_date(provenance.checked)) {
    reader.error(node["checked"],
                 "checked date '" + provenance.checked + "' of " + where + " is not a date like 2026-06-18");
  }
  if (provenance.source.empty() != provenance.checked.empty()) {
    reader.error(node, where + (provenance.source.empty() ? " has a 'checked' date but no 'source'"
                                                          : " has a 'source' but no 'checked' date"));
  }
  return provenance;
}

}  // namespace katabot
