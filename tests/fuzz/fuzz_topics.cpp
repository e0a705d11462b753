// topics.yaml on any bytes: problems with file:line:col, or topics that validate; never a crash.
#include <cstdint>
#include <string>

#include "handlers/command_registry.hpp"
#include "loader_properties.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const auto reserved = katabot::CommandRegistry().reserved_words();
  katabot::Diagnostics diagnostics;
  const auto topics = katabot::parse_topics(std::string(reinterpret_cast<const char*>(data), size), "topics.yaml",
                                            reserved, diagnostics);
  katabot::fuzz::check_diagnostics(diagnostics, "topics.yaml");
  if (diagnostics.empty()) {
    for (const auto& topic : topics) {
      FUZZ_REQUIRE(!topic.id.empty() && !topic.summary.empty() && topic.summary.size() <= katabot::max_summary_bytes);
    }
  }
  return 0;
}
