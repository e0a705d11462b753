#include <catch2/catch.hpp>

#include <date/date.h>

#include "bot/cli.hpp"

using namespace katabot;

namespace {

std::variant<CliOptions, CliError> parse(std::vector<std::string_view> arguments) {
  return parse_command_line(arguments);
}

}  // namespace

TEST_CASE("the documented invocations parse", "[cli]") {
  const auto run = std::get<CliOptions>(parse({"--config", "k.yaml"}));
  CHECK(run.mode == CliOptions::Mode::run);
  CHECK(run.config == std::filesystem::path("k.yaml"));
  CHECK(std::get<CliOptions>(parse({"--console"})).mode == CliOptions::Mode::console);
  CHECK(std::get<CliOptions>(parse({"--check-config", "--config", "x"})).mode == CliOptions::Mode::check_config);
  const auto schedule = std::get<CliOptions>(parse({"--schedule", "--from", "2026-12-01", "--count", "3"}));
  CHECK(schedule.mode == CliOptions::Mode::schedule);
  CHECK(schedule.from == "2026-12-01");
  CHECK(schedule.count == 3);
  CHECK(std::get<CliOptions>(parse({"--ics"})).mode == CliOptions::Mode::ics);
  CHECK(std::get<CliOptions>(parse({"--version"})).mode == CliOptions::Mode::version);
  CHECK(std::get<CliOptions>(parse({"-h"})).mode == CliOptions::Mode::help);
}

TEST_CASE("bad command lines give one clear message", "[cli]") {
  CHECK(std::get<CliError>(parse({"--frobnicate"})).message == "katabot: unknown option '--frobnicate' (see katabot --help)");
  CHECK(std::get<CliError>(parse({"--config"})).message == "katabot: --config needs a file name");
  CHECK(std::get<CliError>(parse({"--schedule", "--count", "zero"})).message == "katabot: --count needs a number from 1 to 1000");
  CHECK(std::get<CliError>(parse({"--console", "--ics"})).message == "katabot: --ics cannot be combined with another mode");
  CHECK(std::get<CliError>(parse({"--from", "2026-01-01"})).message == "katabot: --from and --count go with --schedule");
}

TEST_CASE("instants parse in the ISO 8601 forms people write", "[cli]") {
  using namespace std::chrono;
  const auto midnight = date::sys_days{date::year{2026} / 12 / 1};
  CHECK(parse_instant("2026-12-01") == midnight);
  CHECK(parse_instant("2026-12-01T12:30:00Z") == midnight + 12h + 30min);
  CHECK(parse_instant("2026-12-01T12:30Z") == midnight + 12h + 30min);
  CHECK(parse_instant("2026-12-01T12:30:00+01:00") == midnight + 11h + 30min);
  CHECK(parse_instant("2026-12-01T12:30-05:00") == midnight + 17h + 30min);
  CHECK_FALSE(parse_instant("tomorrow"));
  CHECK_FALSE(parse_instant("2026-12-01T25:00:00Z"));
  CHECK_FALSE(parse_instant("2026-12-01 trailing"));
}
