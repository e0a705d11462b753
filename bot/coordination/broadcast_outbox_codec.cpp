#include "bot/coordination/broadcast_outbox_codec.hpp"

#include "bot/coordination/etcd_value_json.hpp"

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
  auto text = value_text(body);
  if (text.size() > max_outbox_entry_bytes) return std::nullopt;
  return text;
}

std::optional<OutboxEntry> parse_outbox_entry(std::string_view value) {
  const auto record = parse_value_object(value, max_outbox_entry_bytes);
  if (!record) return std::nullopt;
  auto meeting = string_field(*record, "meeting_id");
  auto text = string_field(*record, "text");
  const auto with_reminder = boolean_field(*record, "with_reminder");
  const auto created_at = integer_field(*record, "created_at");
  if (!meeting || meeting->empty() || !text || !with_reminder || !created_at) return std::nullopt;
  OutboxEntry entry;
  entry.broadcast.meeting_id = std::move(*meeting);
  entry.broadcast.text = std::move(*text);
  entry.broadcast.with_reminder = *with_reminder;
  entry.asked_by = string_field(*record, "asked_by").value_or("");
  entry.replica = string_field(*record, "replica").value_or("");
  entry.created_at = std::chrono::sys_seconds{std::chrono::seconds{*created_at}};
  return entry;
}

bool outbox_entry_stale(const OutboxEntry& entry, std::chrono::sys_seconds now) {
  // Compared, not subtracted: created_at comes from etcd and may be any 64-bit number.
  return entry.created_at < now - outbox_entry_lifetime || entry.created_at > now + outbox_entry_lifetime;
}

}  // namespace katabot::coordination
