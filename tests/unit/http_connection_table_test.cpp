// Which operator HTTP connections make room for a newcomer, without sockets.
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "bot/http/connection_table.hpp"

using namespace katabot;
using Phase = ConnectionTable::Phase;

namespace {

// Admits connections and records, in order, the names of those the table closed.
struct Recorder {
  std::vector<std::string> closed;
  std::optional<ConnectionTable::Id> admit(ConnectionTable& table, const std::string& address, const std::string& name) {
    return table.admit(address, [this, name] { closed.push_back(name); });
  }
};

}  // namespace

TEST_CASE("a full table evicts the connection idle the longest instead of refusing", "[http][connections]") {
  ConnectionTable table(ConnectionCaps{.total = 3, .per_address = 3});
  Recorder recorder;
  const auto a = recorder.admit(table, "10.0.0.1", "a");
  const auto b = recorder.admit(table, "10.0.0.2", "b");
  const auto c = recorder.admit(table, "10.0.0.3", "c");
  REQUIRE((a && b && c));
  // a answered a request and went back to waiting: now b has waited longest.
  table.set_phase(*a, Phase::busy);
  table.set_phase(*a, Phase::idle);

  CHECK(recorder.admit(table, "10.0.0.4", "d"));
  CHECK(recorder.closed == std::vector<std::string>{"b"});
  CHECK(table.open_count() == 3);
}

TEST_CASE("idle connections go before half-read requests, and busy ones never", "[http][connections]") {
  ConnectionTable table(ConnectionCaps{.total = 3, .per_address = 3});
  Recorder recorder;
  const auto reading = recorder.admit(table, "10.0.0.1", "reading");
  const auto busy = recorder.admit(table, "10.0.0.2", "busy");
  const auto idle = recorder.admit(table, "10.0.0.3", "idle");
  table.set_phase(*reading, Phase::reading);
  table.set_phase(*busy, Phase::busy);
  table.set_phase(*idle, Phase::busy);
  table.set_phase(*idle, Phase::idle);  // idle since after `reading` started reading

  CHECK(recorder.admit(table, "10.0.0.4", "first"));
  CHECK(recorder.closed == std::vector<std::string>{"idle"});
  CHECK(recorder.admit(table, "10.0.0.5", "second"));
  // Newcomers start idle, so they go before the slow request.
  CHECK(recorder.closed == std::vector<std::string>{"idle", "first"});
}

TEST_CASE("when every connection is answering, a newcomer is refused", "[http][connections]") {
  ConnectionTable table(ConnectionCaps{.total = 2, .per_address = 2});
  Recorder recorder;
  table.set_phase(*recorder.admit(table, "10.0.0.1", "a"), Phase::busy);
  table.set_phase(*recorder.admit(table, "10.0.0.2", "b"), Phase::busy);
  CHECK_FALSE(recorder.admit(table, "10.0.0.3", "c"));
  CHECK(recorder.closed.empty());
}

TEST_CASE("an address at its cap replaces its own connections, not other people's", "[http][connections]") {
  ConnectionTable table(ConnectionCaps{.total = 10, .per_address = 2});
  Recorder recorder;
  REQUIRE(recorder.admit(table, "10.0.0.9", "probe"));
  REQUIRE(recorder.admit(table, "10.0.0.1", "flood-1"));
  REQUIRE(recorder.admit(table, "10.0.0.1", "flood-2"));
  REQUIRE(recorder.admit(table, "10.0.0.1", "flood-3"));
  CHECK(recorder.closed == std::vector<std::string>{"flood-1"});
  CHECK(table.open_count() == 3);
}

TEST_CASE("an evicted connection stops counting at once and leaves when its session ends", "[http][connections]") {
  ConnectionTable table(ConnectionCaps{.total = 1, .per_address = 1});
  Recorder recorder;
  const auto first = recorder.admit(table, "10.0.0.1", "first");
  const auto second = recorder.admit(table, "10.0.0.1", "second");
  REQUIRE(second);
  CHECK(table.open_count() == 1);
  table.remove(*first);  // what its session does once the close woke it up
  table.close_all();
  CHECK(recorder.closed == std::vector<std::string>{"first", "second"});
  table.close_all();  // a second stop closes nothing twice
  CHECK(recorder.closed.size() == 2);
}
