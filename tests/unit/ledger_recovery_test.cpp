// The reminder ledger: durable, exact round trip, and recovery from every way a crash or a bad disk
// can leave the file (torn tail, garbage, missing file, leftover temporary file from compaction).
#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "bot/scheduler/reminder_ledger.hpp"
#include "tests/unit/schedule_test_meetings.hpp"

using namespace katabot;
using katabot::test::TempDir;
using katabot::test::utc;

namespace {

ReminderKey key(int day, std::string channel = "#kata-dev", Platform platform = Platform::irc) {
  return {"architecture-committee", utc(2026, 12, day, 13), std::chrono::minutes{15}, platform,
          std::move(channel)};
}

LedgerEntry sent_at(std::chrono::sys_seconds when) { return {ReminderOutcome::sent, "", when}; }

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void append(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::app) << bytes;
}

}  // namespace

TEST_CASE("ledger lines round-trip, odd characters included, and carry a checksum", "[ledger]") {
  const ReminderKey odd{"id with space%", utc(2026, 12, 3, 13), std::chrono::hours{24}, Platform::slack, "-"};
  const LedgerEntry entry{ReminderOutcome::skipped, "meeting started\nreally", utc(2026, 12, 3, 13, 0, 5)};
  const auto line = format_ledger_line(odd, entry);
  CHECK(line.find('\n') == std::string::npos);
  ReminderKey parsed_key;
  LedgerEntry parsed_entry;
  REQUIRE(parse_ledger_line(line, parsed_key, parsed_entry));
  CHECK(parsed_key == odd);
  CHECK(parsed_entry.reason == entry.reason);
  CHECK(parsed_entry.recorded_at == entry.recorded_at);
  CHECK(parsed_entry.outcome == ReminderOutcome::skipped);

  auto flipped = line;
  flipped[5] = flipped[5] == 'a' ? 'b' : 'a';
  CHECK_FALSE(parse_ledger_line(flipped, parsed_key, parsed_entry));
  CHECK_FALSE(parse_ledger_line(line.substr(0, line.size() - 1), parsed_key, parsed_entry));
  CHECK_FALSE(parse_ledger_line("", parsed_key, parsed_entry));
}

TEST_CASE("a missing ledger (and state dir) starts empty and records survive a reopen", "[ledger]") {
  TempDir dir;
  const auto state = dir.path() / "state" / "nested";
  {
    ReminderLedger ledger(state);
    CHECK(ledger.size() == 0);
    CHECK(ledger.problems().empty());
    CHECK(ledger.record(key(3), sent_at(utc(2026, 12, 3, 12, 45))));
    CHECK(ledger.record(key(3, "C0123", Platform::slack), sent_at(utc(2026, 12, 3, 12, 45))));
  }
  ReminderLedger reopened(state);
  CHECK(reopened.problems().empty());
  CHECK(reopened.size() == 2);
  CHECK(reopened.contains(key(3)));
  CHECK(reopened.contains(key(3, "C0123", Platform::slack)));
  CHECK_FALSE(reopened.contains(key(10)));
}

TEST_CASE("a torn last record (crash mid-append) is reported, dropped and the file repaired", "[ledger]") {
  TempDir dir;
  {
    ReminderLedger ledger(dir.path());
    ledger.record(key(3), sent_at(utc(2026, 12, 3, 12, 45)));
  }
  const auto file = dir.path() / ReminderLedger::file_name;
  const auto torn = format_ledger_line(key(10), sent_at(utc(2026, 12, 10, 12, 45)));
  // Every possible torn length, including the record complete but for its newline.
  for (std::size_t cut = 1; cut <= torn.size(); cut += 7) {
    const auto good = read(file);
    append(file, torn.substr(0, cut));
    ReminderLedger recovered(dir.path());
    INFO("torn after " << cut << " bytes");
    CHECK(recovered.contains(key(3)));
    CHECK_FALSE(recovered.contains(key(10)));
    REQUIRE(recovered.problems().size() == 1);
    CHECK(recovered.problems()[0].find("incomplete last record") != std::string::npos);
    CHECK(read(file) == good);  // repaired, so the next append starts on a fresh line
  }
  // After the repair, appending works and the reopened ledger is clean.
  {
    ReminderLedger ledger(dir.path());
    CHECK(ledger.record(key(10), sent_at(utc(2026, 12, 10, 12, 45))));
  }
  ReminderLedger clean(dir.path());
  CHECK(clean.problems().empty());
  CHECK(clean.contains(key(10)));
}

TEST_CASE("garbage and corrupt lines are skipped with their line numbers, good ones kept", "[ledger]") {
  TempDir dir;
  const auto file = dir.path() / ReminderLedger::file_name;
  auto corrupt = format_ledger_line(key(10), sent_at(utc(2026, 12, 10, 12, 45)));
  corrupt[10] ^= 1;
  append(file, format_ledger_line(key(3), sent_at(utc(2026, 12, 3, 12, 45))) + "\n" + "\x01\x02garbage\xff\n" +
                   corrupt + "\n\n" + format_ledger_line(key(17), sent_at(utc(2026, 12, 17, 12, 45))) + "\n");
  ReminderLedger ledger(dir.path());
  CHECK(ledger.contains(key(3)));
  CHECK(ledger.contains(key(17)));
  CHECK_FALSE(ledger.contains(key(10)));
  REQUIRE(ledger.problems().size() == 1);
  CHECK(ledger.problems()[0] ==
        file.string() + ":2: 3 corrupt records (bad format or checksum) ignored, at lines 2, 3, 4");
  ReminderLedger reopened(dir.path());
  CHECK(reopened.problems().empty());
  CHECK(reopened.size() == 2);
}

TEST_CASE("a ledger with many corrupt records is summarised in one problem, not one per line", "[ledger]") {
  TempDir dir;
  const auto file = dir.path() / ReminderLedger::file_name;
  std::string text = format_ledger_line(key(3), sent_at(utc(2026, 12, 3, 12, 45))) + "\n";
  for (int i = 0; i < 200000; ++i) text += "garbage\n";
  text += "torn";
  append(file, text);
  ReminderLedger ledger(dir.path());
  CHECK(ledger.contains(key(3)));
  REQUIRE(ledger.problems().size() == 2);
  CHECK(ledger.problems()[0] == file.string() +
                                    ":2: 200000 corrupt records (bad format or checksum) ignored, first at lines 2, 3, "
                                    "4, 5, 6, …");
  CHECK(ledger.problems()[1] == file.string() + ":200002: incomplete last record (torn write), ignored");
}

TEST_CASE("compaction keeps recent records and is atomic at each step", "[ledger]") {
  TempDir dir;
  const auto file = dir.path() / ReminderLedger::file_name;
  auto temp = file;
  temp += ".tmp";
  {
    ReminderLedger ledger(dir.path());
    ledger.record(key(3), sent_at(utc(2026, 12, 3, 12, 45)));
    ledger.record(key(17), sent_at(utc(2026, 12, 17, 12, 45)));
    REQUIRE(ledger.compact(utc(2026, 12, 10)));
    CHECK_FALSE(ledger.contains(key(3)));
    CHECK(ledger.contains(key(17)));
    CHECK_FALSE(std::filesystem::exists(temp));
  }
  CHECK(ReminderLedger(dir.path()).size() == 1);

  SECTION("crash after writing the temporary file, before the rename: the old ledger wins") {
    std::ofstream(temp, std::ios::binary) << "half a compacted fi";
    ReminderLedger recovered(dir.path());
    CHECK(recovered.contains(key(17)));
    CHECK_FALSE(std::filesystem::exists(temp));
    REQUIRE(recovered.problems().size() == 1);
    CHECK(recovered.problems()[0].find("interrupted compaction") != std::string::npos);
  }
  SECTION("crash after the rename: the new ledger is complete") {
    const auto before = read(file);
    {
      ReminderLedger ledger(dir.path());
      REQUIRE(ledger.compact(utc(2026, 12, 1)));
    }
    CHECK(read(file) == before);
    CHECK(ReminderLedger(dir.path()).problems().empty());
  }
}

TEST_CASE("an unwritable ledger is reported, remembered in memory, never thrown", "[ledger]") {
  TempDir dir;
  // A directory where the file should be: opening it for append fails.
  std::filesystem::create_directories(dir.path() / ReminderLedger::file_name);
  ReminderLedger ledger(dir.path());
  CHECK_FALSE(ledger.problems().empty());
  CHECK_FALSE(ledger.record(key(3), sent_at(utc(2026, 12, 3, 12, 45))));
  CHECK(ledger.contains(key(3)));
}

TEST_CASE("the ledger keeps the platform as its name on disk and refuses an unknown one", "[ledger][platform]") {
  const auto entry = sent_at(utc(2026, 12, 3, 12, 45));
  const auto record = format_ledger_record(key(3, "C0123", Platform::slack), entry);
  CHECK(record.find(" slack C0123 ") != std::string::npos);
  ReminderKey parsed;
  LedgerEntry parsed_entry;
  REQUIRE(parse_ledger_record(record, parsed, parsed_entry));
  CHECK(parsed.platform == Platform::slack);

  auto foreign = record;
  foreign.replace(foreign.find(" slack "), 7, " matrix ");
  CHECK_FALSE(parse_ledger_record(foreign, parsed, parsed_entry));
}
