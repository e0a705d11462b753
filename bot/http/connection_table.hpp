#pragma once
// Which operator connections may stay open, decided without sockets. A full table never refuses a
// newcomer while some connection is merely waiting: the liveness probe must get through however
// many connections an attacker holds open, so the one that has waited longest makes room.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace katabot {

struct ConnectionCaps {
  std::size_t total = 64;
  // One client address may not fill the table: its newcomers replace its own oldest connections
  // instead of pushing out everybody else's (a probe, a scraper's keep-alive connection).
  std::size_t per_address = 16;
};

class ConnectionTable {
 public:
  using Id = std::uint64_t;
  enum class Phase {
    idle,     // between requests (or before the first): no byte of a request yet
    reading,  // part of a request has arrived
    busy,     // answering: never evicted
  };

  explicit ConnectionTable(ConnectionCaps caps) : caps_(caps) {}

  // Makes room for a connection from `address` by closing those that must go (idle before reading,
  // the longest waiting first), then records it as idle. nullopt when only busy ones could go.
  std::optional<Id> admit(const std::string& address, std::function<void()> close);
  void set_phase(Id id, Phase phase);
  // The connection has ended; also after it was evicted.
  void remove(Id id);
  void close_all();
  // Closes every connection not answering right now; busy ones finish their response first.
  void close_waiting();
  // Connections not yet closed by the table.
  std::size_t open_count() const;

 private:
  struct Connection {
    Id id;
    std::string address;
    std::function<void()> close;
    Phase phase = Phase::idle;
    std::uint64_t phase_order = 0;  // when it entered its phase: smaller waited longer
    bool closed = false;            // evicted; removed once its session has noticed
  };
  // Closes the best eviction candidate among open connections from `address` (any address when
  // empty); false if there is none.
  bool evict_one(const std::string* address);
  Connection* find(Id id);

  ConnectionCaps caps_;
  std::vector<Connection> connections_;  // a few dozen at most: scanning beats indexing
  Id next_id_ = 1;
  std::uint64_t next_order_ = 1;
};

}  // namespace katabot
