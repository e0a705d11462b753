#pragma once
// Small helpers shared by the unit tests.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

#include <date/date.h>

#include "bot/config.hpp"
#include "handlers/command_registry.hpp"

namespace katabot::test {

inline std::filesystem::path source_dir() { return KATABOT_SOURCE_DIR; }

// An environment holding exactly `values`, for configurations with ${NAME}.
inline Environment environment(std::map<std::string, std::string> values) {
  return [values = std::move(values)](const std::string& name) -> std::optional<std::string> {
    const auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// Every diagnostic as FILE:LINE:COL: message, one a line, as --check-config prints them.
inline std::string all_text(const Diagnostics& diagnostics) {
  std::string text;
  for (const auto& diagnostic : diagnostics) text += diagnostic.to_string() + "\n";
  return text;
}

// A fresh directory under the system temp dir, removed when the object goes away.
class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = std::filesystem::temp_directory_path() /
            ("katabot-unit-" + std::to_string(::getpid()) + "-" + std::to_string(++counter));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& text) const {
    const auto file = path_ / name;
    std::ofstream(file, std::ios::binary) << text;
    return file;
  }

 private:
  std::filesystem::path path_;
};

// The project's real knowledge base, loaded once.
inline std::shared_ptr<const KnowledgeBase> project_knowledge() {
  static const auto knowledge = [] {
    Diagnostics diagnostics;
    return KnowledgeBase::load(source_dir() / "knowledge", CommandRegistry().reserved_words(), diagnostics);
  }();
  return knowledge;
}

inline std::chrono::system_clock::time_point at_utc(int y, unsigned m, unsigned d, int hour = 0, int minute = 0) {
  return date::sys_days{date::year{y} / date::month{m} / date::day{d}} + std::chrono::hours(hour) +
         std::chrono::minutes(minute);
}

// The Architecture Committee as the community page describes it: Thursdays 13:00 UTC, one hour.
inline Meeting architecture_committee() {
  Meeting meeting;
  meeting.id = "architecture-committee";
  meeting.title = "Architecture Committee";
  meeting.day = date::Thursday;
  meeting.time_of_day = std::chrono::hours(13);
  meeting.zone = date::locate_zone("UTC");
  meeting.agenda = "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs";
  return meeting;
}

}  // namespace katabot::test
