#include "bot/coordination/event_claims.hpp"

#include <algorithm>

namespace katabot::coordination {

namespace {

bool event_id_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
}

}  // namespace

bool is_event_id(std::string_view text) {
  return !text.empty() && text.size() <= max_event_id_bytes && std::all_of(text.begin(), text.end(), event_id_char);
}

std::optional<std::string> event_claim_key(std::string_view key_prefix, std::string_view event_id) {
  if (!is_event_id(event_id)) return std::nullopt;
  std::string key(key_prefix);
  key += "events/";
  key += event_id;
  return key;
}

DedupeLease::DedupeLease(std::chrono::seconds ttl, std::chrono::seconds rotate_every)
    : ttl_(ttl), rotate_every_(std::min(rotate_every, ttl)) {}

std::optional<std::int64_t> DedupeLease::usable(time_point now) const {
  if (id_ == 0 || now >= granted_at_ + rotate_every_) return std::nullopt;
  return id_;
}

void DedupeLease::granted(std::int64_t id, time_point asked_at) {
  // Two claims may have asked for a lease at once: the one asked for later lives longer.
  if (id_ != 0 && asked_at < granted_at_) return;
  id_ = id;
  granted_at_ = asked_at;
}

void DedupeLease::forget(std::int64_t id) {
  if (id == id_) id_ = 0;
}

bool OutageNotice::failed() {
  const bool first = !out_;
  out_ = true;
  return first;
}

bool OutageNotice::answered() {
  const bool ended = out_;
  out_ = false;
  return ended;
}

}  // namespace katabot::coordination
