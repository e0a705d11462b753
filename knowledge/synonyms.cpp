#include "knowledge/synonyms.hpp"

#include <map>
#include <optional>

#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

std::optional<Subject> find_subject(std::string_view reference, const std::vector<Topic>& topics,
                                    const std::vector<Meeting>& meetings) {
  if (reference.starts_with("topic:")) {
    const auto id = reference.substr(6);
    for (std::size_t i = 0; i < topics.size(); ++i) {
      if (topics[i].id == id) return Subject{Subject::Kind::topic, i};
    }
  } else if (reference.starts_with("meeting:")) {
    const auto id = reference.substr(8);
    for (std::size_t i = 0; i < meetings.size(); ++i) {
      if (meetings[i].id == id) return Subject{Subject::Kind::meeting, i};
    }
  }
  return std::nullopt;
}

void read_entry(YamlReader& reader, const YAML::Node& node, const std::vector<Topic>& topics,
                const std::vector<Meeting>& meetings, std::map<std::string, YAML::Mark>& seen,
                std::vector<Synonyms>& entries) {
  if (!reader.expect_map(node, "a synonyms entry")) return;
  reader.reject_unknown_keys(node, {"subject", "words"}, "a synonyms entry");
  const auto reference = reader.required_string(node, "subject", "a synonyms entry");
  if (!node["words"]) reader.error(node, "missing key 'words' in a synonyms entry");
  const auto words = reader.string_list(node, "words");
  if (!reference) return;
  const auto subject = find_subject(*reference, topics, meetings);
  if (!subject) {
    reader.error(node["subject"], "unknown subject '" + *reference +
                                      "' (expected topic:<id> from topics.yaml or meeting:<id> from meetings.yaml)");
    return;
  }
  Synonyms entry{*subject, {}};
  const auto word_nodes = node["words"];
  for (std::size_t i = 0; i < words.size(); ++i) {
    const auto mark = word_nodes[i].Mark();
    const auto word = ascii_lower(words[i]);
    if (word.find_first_not_of(" \t") == std::string::npos) {
      reader.error(mark, "empty word for '" + *reference + "'");
      continue;
    }
    if (word.size() > max_synonym_bytes) {
      reader.error(mark, "the word '" + word.substr(0, max_synonym_bytes) + "…' for '" + *reference + "' is " +
                             std::to_string(word.size()) + " bytes; at most " + std::to_string(max_synonym_bytes));
      continue;
    }
    const auto [first, inserted] = seen.emplace(word, mark);
    if (!inserted) {
      reader.error(mark, "'" + word + "' already stands for another subject (line " +
                             std::to_string(first->second.line + 1) + "): a word may point at one subject only");
      continue;
    }
    entry.words.push_back(word);
  }
  entries.push_back(std::move(entry));
}

std::vector<Synonyms> read_synonyms(YamlReader& reader, const YAML::Node& root, const std::vector<Topic>& topics,
                                    const std::vector<Meeting>& meetings) {
  std::vector<Synonyms> entries;
  if (!reader.expect_map(root, "the synonyms file")) return entries;
  reader.reject_unknown_keys(root, {"synonyms"}, "the synonyms file");
  const auto list = root["synonyms"];
  if (!list) {
    reader.error(root, "missing key 'synonyms'");
    return entries;
  }
  if (!reader.expect_sequence(list, "'synonyms'")) return entries;
  std::map<std::string, YAML::Mark> seen;
  for (const auto& node : list) read_entry(reader, node, topics, meetings, seen, entries);
  return entries;
}

}  // namespace

std::vector<Synonyms> load_synonyms(const std::string& path, const std::vector<Topic>& topics,
                                    const std::vector<Meeting>& meetings, Diagnostics& diagnostics) {
  YamlReader reader(path, diagnostics);
  const auto root = reader.load_file();
  return root ? read_synonyms(reader, *root, topics, meetings) : std::vector<Synonyms>{};
}

std::vector<Synonyms> parse_synonyms(const std::string& yaml_text, const std::string& file_name,
                                     const std::vector<Topic>& topics, const std::vector<Meeting>& meetings,
                                     Diagnostics& diagnostics) {
  YamlReader reader(file_name, diagnostics);
  const auto root = reader.load_string(yaml_text);
  return root ? read_synonyms(reader, *root, topics, meetings) : std::vector<Synonyms>{};
}

}  // namespace katabot
