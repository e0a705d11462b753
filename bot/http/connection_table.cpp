#include "bot/http/connection_table.hpp"

#include <algorithm>
#include <utility>

namespace katabot {

std::optional<ConnectionTable::Id> ConnectionTable::admit(const std::string& address, std::function<void()> close) {
  const auto from_address = static_cast<std::size_t>(std::count_if(
      connections_.begin(), connections_.end(),
      [&](const Connection& connection) { return !connection.closed && connection.address == address; }));
  if (from_address >= caps_.per_address && !evict_one(&address)) return std::nullopt;
  if (open_count() >= caps_.total && !evict_one(nullptr)) return std::nullopt;
  const Id id = next_id_++;
  connections_.push_back(Connection{id, address, std::move(close), Phase::idle, next_order_++, false});
  return id;
}

void ConnectionTable::set_phase(Id id, Phase phase) {
  auto* connection = find(id);
  if (connection == nullptr || connection->phase == phase) return;
  connection->phase = phase;
  connection->phase_order = next_order_++;
}

void ConnectionTable::remove(Id id) {
  std::erase_if(connections_, [id](const Connection& connection) { return connection.id == id; });
}

void ConnectionTable::close_all() {
  for (auto& connection : connections_) {
    if (std::exchange(connection.closed, true)) continue;
    connection.close();
  }
}

void ConnectionTable::close_waiting() {
  for (auto& connection : connections_) {
    if (connection.closed || connection.phase == Phase::busy) continue;
    connection.closed = true;
    connection.close();
  }
}

std::size_t ConnectionTable::open_count() const {
  return static_cast<std::size_t>(
      std::count_if(connections_.begin(), connections_.end(), [](const Connection& c) { return !c.closed; }));
}

bool ConnectionTable::evict_one(const std::string* address) {
  Connection* victim = nullptr;
  // Idle before reading, then the one that entered its phase first.
  const auto rank = [](const Connection& c) { return std::pair{c.phase == Phase::idle ? 0 : 1, c.phase_order}; };
  for (auto& connection : connections_) {
    if (connection.closed || connection.phase == Phase::busy) continue;
    if (address != nullptr && connection.address != *address) continue;
    if (victim == nullptr || rank(connection) < rank(*victim)) victim = &connection;
  }
  if (victim == nullptr) return false;
  victim->closed = true;
  victim->close();
  return true;
}

ConnectionTable::Connection* ConnectionTable::find(Id id) {
  const auto found = std::find_if(connections_.begin(), connections_.end(),
                                  [id](const Connection& connection) { return connection.id == id; });
  return found == connections_.end() ? nullptr : &*found;
}

}  // namespace katabot
