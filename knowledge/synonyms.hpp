#pragma once
// Words people use for a subject that its own text does not contain ("rude" for the Code of
// Conduct, "vuln" for security), from synonyms.yaml. They help free-text questions only; channel
// chatter is still matched against keywords alone.
#include <string>
#include <vector>

#include "knowledge/meetings.hpp"
#include "knowledge/subject.hpp"
#include "knowledge/topics.hpp"

namespace katabot {

struct Synonyms {
  Subject subject;
  std::vector<std::string> words;
};

// Longest word or phrase accepted: longer ones are mistakes, not words people type.
inline constexpr std::size_t max_synonym_bytes = 40;

// Loads and validates synonyms.yaml against the loaded topics and meetings (`topic:<id>` or
// `meeting:<id>`); every problem is appended to `diagnostics` with file:line:col.
std::vector<Synonyms> load_synonyms(const std::string& path, const std::vector<Topic>& topics,
                                    const std::vector<Meeting>& meetings, Diagnostics& diagnostics);
std::vector<Synonyms> parse_synonyms(const std::string& yaml_text, const std::string& file_name,
                                     const std::vector<Topic>& topics, const std::vector<Meeting>& meetings,
                                     Diagnostics& diagnostics);

}  // namespace katabot
