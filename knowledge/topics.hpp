#pragma once
// A topic of the community knowledge base: one section of the community page (or a fact people ask
// about), answerable by its id or aliases as a command, and by its keywords in conversation.
#include <set>
#include <string>
#include <vector>

#include "knowledge/diagnostics.hpp"
#include "knowledge/provenance.hpp"

namespace katabot {

struct Link {
  std::string title;
  std::string url;
};

struct Topic {
  std::string id;
  std::string title;
  std::vector<std::string> aliases;
  std::vector<std::string> keywords;
  std::string summary;  // one line that fits an IRC message
  std::string details;  // Slack mrkdwn
  std::vector<Link> links;
  Provenance provenance;
};

// The longest summary, in bytes, that still leaves room for the IRC prefix, target and a link.
inline constexpr std::size_t max_summary_bytes = 300;

using CommandWords = std::set<std::string, std::less<>>;

// Loads and validates topics.yaml; every problem is appended to `diagnostics` with file:line:col.
// Words in `reserved` (the built-in commands) may not be used as ids or aliases.
std::vector<Topic> load_topics(const std::string& path, const CommandWords& reserved, Diagnostics& diagnostics);
std::vector<Topic> parse_topics(const std::string& yaml_text, const std::string& file_name,
                                const CommandWords& reserved, Diagnostics& diagnostics);

}  // namespace katabot
