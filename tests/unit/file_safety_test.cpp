// Files read at start-up (configuration, knowledge base, reminder ledger) must never hang or be
// half-trusted: a FIFO or device at the path is reported, text must be UTF-8, sizes are bounded.
#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <future>

#include "bot/scheduler/reminder_ledger.hpp"
#include "knowledge/regular_file.hpp"
#include "knowledge/topics.hpp"
#include "knowledge/utf8_check.hpp"
#include "knowledge/yaml_reader.hpp"
#include "test_support.hpp"

using namespace katabot;
using katabot::test::all_text;

namespace {

// Runs `read` (which may open `fifo`) and reports whether it returned within the deadline. If it
// did not, it is blocked opening the FIFO: a writer is connected and closed to release it.
bool returns_promptly_despite_fifo(const std::filesystem::path& fifo, const std::function<void()>& read) {
  auto done = std::async(std::launch::async, read);
  if (done.wait_for(std::chrono::seconds(10)) == std::future_status::ready) return true;
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  if (writer >= 0) ::close(writer);
  done.wait();
  return false;
}

}  // namespace

TEST_CASE("a FIFO at a knowledge path is reported, not opened for a blocking read", "[files]") {
  test::TempDir dir;
  const auto fifo = dir.path() / "topics.yaml";
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  Diagnostics diagnostics;
  CHECK(returns_promptly_despite_fifo(fifo, [&] { load_topics(fifo.string(), {}, diagnostics); }));
  REQUIRE(diagnostics.size() == 1);
  CHECK(diagnostics[0].to_string() == fifo.string() + ": is a FIFO (named pipe), not a regular file");
}

TEST_CASE("a FIFO at the ledger path is reported and does not hang start-up or appends", "[files][ledger]") {
  test::TempDir dir;
  const auto fifo = dir.path() / ReminderLedger::file_name;
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::optional<ReminderLedger> ledger;
  CHECK(returns_promptly_despite_fifo(fifo, [&] { ledger.emplace(dir.path()); }));
  REQUIRE(ledger);
  REQUIRE(ledger->problems().size() == 1);
  CHECK(ledger->problems()[0].starts_with(fifo.string() + ": is a FIFO (named pipe), not a regular file"));
  const ReminderKey key{"m", std::chrono::sys_seconds{std::chrono::hours(1)}, std::chrono::minutes(15), Platform::irc, "#k"};
  bool recorded = true;
  CHECK(returns_promptly_despite_fifo(fifo, [&] { recorded = ledger->record(key, {}); }));
  CHECK_FALSE(recorded);
  CHECK(ledger->contains(key));
}

TEST_CASE("a device or directory is not read as a file, nor a file over the size limit", "[files]") {
  CHECK(read_regular_file("/dev/zero", 1024).problem == "is a character device, not a regular file");
  test::TempDir dir;
  CHECK(read_regular_file(dir.path(), 1024).problem == "is a directory, not a regular file");
  const auto big = dir.write("big.yaml", std::string(2049, 'x'));
  CHECK(read_regular_file(big, 2048).problem == "is larger than 2 KiB, the most katabot reads");
  const auto fits = read_regular_file(big, 2049);
  CHECK(fits.problem.empty());
  CHECK(fits.text.size() == 2049);
}

TEST_CASE("invalid UTF-8 is found at its first bad byte", "[files]") {
  CHECK_FALSE(first_invalid_utf8("plain ASCII, é, €, 𝄞"));
  CHECK(first_invalid_utf8("ab\xC3") == 2);              // sequence cut short at the end
  CHECK(first_invalid_utf8("ab\xC3(") == 2);             // lead byte without its continuation
  CHECK(first_invalid_utf8("\xC0\x80") == 0);            // overlong NUL
  CHECK(first_invalid_utf8("x\xE0\x80\x80") == 1);       // overlong three-byte form
  CHECK(first_invalid_utf8("\xED\xA0\x80") == 0);        // UTF-16 surrogate
  CHECK(first_invalid_utf8("\xF4\x90\x80\x80") == 0);    // above U+10FFFF
  CHECK(first_invalid_utf8("\xE2\x82\xAC\xE2\x82(") == 3);  // third byte missing
  CHECK(first_invalid_utf8("\xE2\x82\xAC\xFF") == 3);    // a byte that is never UTF-8
  CHECK(first_invalid_utf8("\x80") == 0);                // stray continuation byte
}

TEST_CASE("a knowledge file that is not UTF-8 is rejected with the line and column of the bad byte", "[files]") {
  test::TempDir dir;
  const auto file = dir.write("topics.yaml", "topics:\n  - id: cafe\n    title: \xC3\xA9t\xC3\xA9 Caf\xE9 Latin-1\n");
  Diagnostics diagnostics;
  load_topics(file.string(), {}, diagnostics);
  INFO(all_text(diagnostics));
  REQUIRE(diagnostics.size() == 1);
  // Column 21: "    title: été Caf" is 20 bytes before the bad byte (columns count bytes, as yaml-cpp's do).
  CHECK(diagnostics[0].to_string() == file.string() + ":3:21: not valid UTF-8 (byte 0xE9): save the file as UTF-8");
}
