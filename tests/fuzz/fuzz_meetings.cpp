// meetings.yaml on any bytes: problems with file:line:col, or meetings whose next occurrence can be
// computed; never a crash.
#include <cstdint>
#include <string>

#include "knowledge/meetings.hpp"
#include "knowledge/schedule.hpp"
#include "loader_properties.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  katabot::Diagnostics diagnostics;
  const auto meetings =
      katabot::parse_meetings(std::string(reinterpret_cast<const char*>(data), size), "meetings.yaml", diagnostics);
  katabot::fuzz::check_diagnostics(diagnostics, "meetings.yaml");
  if (diagnostics.empty()) {
    // A validated meeting always has a next occurrence within a couple of years from any start.
    const auto from = std::chrono::time_point_cast<std::chrono::seconds>(
        std::chrono::sys_days{std::chrono::year{2026} / 11 / 29});
    for (const auto& meeting : meetings) (void)katabot::next_occurrences(meeting, from, 3);
  }
  return 0;
}
