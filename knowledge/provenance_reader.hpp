#pragma once
// Reading the `source` and `checked` keys that topics and meetings share, and the ISO dates both
// files use.
#include <optional>
#include <string>

#include <date/date.h>

#include "knowledge/provenance.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {

// "2026-06-18" → that day; nullopt unless it is YYYY-MM-DD and a real calendar day.
std::optional<date::year_month_day> parse_iso_date(const std::string& text);

// Both keys are optional but come together: `source` an http(s) URL, `checked` a real date.
// Problems are reported through `reader`; `where` names the owner ("topic 'conduct'").
Provenance read_provenance(YamlReader& reader, const YAML::Node& node, const std::string& where);

}  // namespace katabot
