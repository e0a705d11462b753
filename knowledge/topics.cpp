#include "knowledge/topics.hpp"

#include <map>
#include <regex>

#include "knowledge/provenance_reader.hpp"
#include "knowledge/yaml_reader.hpp"

namespace katabot {
namespace {

bool is_command_word(const std::string& word) {
  static const std::regex pattern("[a-z0-9][a-z0-9-]*");
  return std::regex_match(word, pattern);
}

std::vector<Link> read_links(YamlReader& reader, const YAML::Node& topic) {
  std::vector<Link> links;
  const auto node = topic["links"];
  if (!node || node.IsNull() || !reader.expect_sequence(node, "'links'")) return links;
  for (const auto& item : node) {
    if (!reader.expect_map(item, "a link")) continue;
    reader.reject_unknown_keys(item, {"title", "url"}, "link");
    auto title = reader.required_string(item, "title", "link");
    auto url = reader.required_string(item, "url", "link");
    if (!title || !url) continue;
    if (!is_valid_url(*url)) {
      reader.error(item["url"], "malformed URL '" + *url + "' (expected http://, https:// or mailto:)");
      continue;
    }
    links.push_back({*title, *url});
  }
  return links;
}

void read_topic(YamlReader& reader, const YAML::Node& node, const CommandWords& reserved,
                std::vector<Topic>& topics, std::map<std::string, YAML::Mark>& command_words) {
  if (!reader.expect_map(node, "a topic")) return;
  reader.reject_unknown_keys(node, {"id", "title", "aliases", "keywords", "summary", "details", "links", "source", "checked"}, "topic");
  Topic topic;
  topic.id = reader.required_string(node, "id", "topic").value_or("");
  topic.title = reader.required_string(node, "title", "topic '" + topic.id + "'").value_or("");
  topic.summary = reader.optional_string(node, "summary");
  topic.details = reader.optional_string(node, "details");
  topic.aliases = reader.string_list(node, "aliases");
  topic.keywords = reader.string_list(node, "keywords");
  topic.links = read_links(reader, node);
  topic.provenance = read_provenance(reader, node, "topic '" + topic.id + "'");

  const auto at = node["id"] ? node["id"].Mark() : node.Mark();
  if (topic.summary.find_first_not_of(" \t\n") == std::string::npos) {
    reader.error(node["summary"] ? node["summary"] : node, "topic '" + topic.id + "' has an empty summary");
  } else if (topic.summary.find('\n') != std::string::npos) {
    reader.error(node["summary"], "the summary of topic '" + topic.id + "' must be one line");
  } else if (topic.summary.size() > max_summary_bytes) {
    reader.error(node["summary"], "the summary of topic '" + topic.id + "' is " + std::to_string(topic.summary.size()) +
                                      " bytes; at most " + std::to_string(max_summary_bytes) + " fit an IRC line");
  }
  if (!node["links"]) reader.error(node, "topic '" + topic.id + "' has no links (every answer carries its source)");

  std::vector<std::pair<std::string, YAML::Mark>> words{{topic.id, at}};
  if (const auto aliases = node["aliases"]; aliases && aliases.IsSequence()) {
    for (std::size_t i = 0; i < aliases.size(); ++i) words.emplace_back(aliases[i].as<std::string>(""), aliases[i].Mark());
  }
  for (auto& [word, mark] : words) {
    if (word.empty()) continue;
    if (!is_command_word(word)) {
      reader.error(mark, "'" + word + "' is not a usable command word (lower-case letters, digits and '-')");
      continue;
    }
    if (reserved.contains(word)) {
      reader.error(mark, "'" + word + "' is a built-in command and cannot name a topic");
      continue;
    }
    const auto [existing, inserted] = command_words.emplace(word, mark);
    if (!inserted) {
      reader.error(mark, "duplicate id or alias '" + word + "' (first defined at line " +
                             std::to_string(existing->second.line + 1) + ")");
    }
  }
  for (const auto& keyword : topic.keywords) {
    if (keyword.find_first_not_of(" \t") == std::string::npos) reader.error(node["keywords"], "empty keyword in topic '" + topic.id + "'");
  }
  topics.push_back(std::move(topic));
}

std::vector<Topic> read_topics(YamlReader& reader, const YAML::Node& root, const CommandWords& reserved) {
  std::vector<Topic> topics;
  if (!reader.expect_map(root, "the topics file")) return topics;
  reader.reject_unknown_keys(root, {"topics"}, "the topics file");
  const auto list = root["topics"];
  if (!list) {
    reader.error(root, "missing key 'topics'");
    return topics;
  }
  if (!reader.expect_sequence(list, "'topics'")) return topics;
  std::map<std::string, YAML::Mark> command_words;
  for (const auto& node : list) read_topic(reader, node, reserved, topics, command_words);
  return topics;
}

}  // namespace

std::vector<Topic> load_topics(const std::string& path, const CommandWords& reserved, Diagnostics& diagnostics) {
  YamlReader reader(path, diagnostics);
  const auto root = reader.load_file();
  return root ? read_topics(reader, *root, reserved) : std::vector<Topic>{};
}

std::vector<Topic> parse_topics(const std::string& yaml_text, const std::string& file_name,
                                const CommandWords& reserved, Diagnostics& diagnostics) {
  YamlReader reader(file_name, diagnostics);
  const auto root = reader.load_string(yaml_text);
  return root ? read_topics(reader, *root, reserved) : std::vector<Topic>{};
}

}  // namespace katabot
