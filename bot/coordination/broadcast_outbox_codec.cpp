#include "bot/coordination/broadcast_outbox_codec.hpp"

#include <nlohmann/json.hpp>

namespace katabot::coordination {

using nlohmann::json;

std::string outbox_prefix(std::string_view key_prefix) { return std::string(key_prefix) + "broadcasts/"; }

std::string outbox_entry_key(std::string_view key_prefix, std::chrono::system_clock::time_point created_at,
                             std::string_view replica, std::uint64_t sequence) {
  std::string safe_replica(replica);
  for (auto& c : safe_replica) {
    if (c == '/' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '_';
  }
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(created_at.time_since_epoch()).count();
  return outbox_prefix(key_prefix) + std::to_string(millis) + "-" + safe_replica + "-" + std::to_string(sequence);
}

std::optional<std::string> outbox_entry_json(const OutboxEntry& entry) {
  const json body = {{"meeting_id", entry.broadcast.meeting_id},
                     {"text", entry.broadcast.text},
                     {"with_reminder", entry.broadcast.with_reminder},
                     {"asked_by", entry.asked_by},
                     {"replica", entry.replica},
                     {"created_at", entry.created_at.time_since_epoch().count()}};
  auto text = body.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > max_outbox_entry_bytes) return std::nullopt;
  return text;
}

std::optional<OutboxEntry> parse_outbox_entry(std::string_view value) {
  if (value.size() > max_outbox_entry_bytes) return std::nullopt;
  const auto parsed = json::parse(value, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  const auto meeting = parsed.find("meeting_id");
  const auto text = parsed.find("text");
  const auto with_reminder = parsed.find("with_reminder");
  const auto created_at = parsed.find("created_at");
  if (meeting == parsed.end() || !meeting->is_string() || meeting->get_ref<const std::string&>().empty() ||
      text == parsed.end() || !text->is_string() || with_reminder == parsed.end() || !with_reminder->is_boolean() ||
      created_at == parsed.end() || !created_at->is_number_integer()) {
    return std::nullopt;
  }
  OutboxEntry entry;
  entry.broadcast.meeting_id = meeting->get<std::string>();
  entry.broadcast.text = text->get<std::string>();
  entry.broadcast.with_reminder = with_reminder->get<bool>();
  const auto asked_by = parsed.find("asked_by");
  if (asked_by != parsed.end() && asked_by->is_string()) entry.asked_by = asked_by->get<std::string>();
  const auto replica = parsed.find("replica");
  if (replica != parsed.end() && replica->is_string()) entry.replica = replica->get<std::string>();
  entry.created_at = std::chrono::sys_seconds{std::chrono::seconds{created_at->get<std::int64_t>()}};
  return entry;
}

bool outbox_entry_stale(const OutboxEntry& entry, std::chrono::sys_seconds now) {
  return now - entry.created_at > outbox_entry_lifetime;
}

}  // namespace katabot::coordination
