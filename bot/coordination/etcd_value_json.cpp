#include "bot/coordination/etcd_value_json.hpp"

namespace katabot::coordination {

using nlohmann::json;

std::optional<json> parse_value_object(std::string_view value, std::size_t max_bytes) {
  if (value.size() > max_bytes) return std::nullopt;
  auto parsed = json::parse(value, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return std::nullopt;
  return parsed;
}

namespace {

const json* typed_field(const json& object, std::string_view name, bool (json::*has_type)() const noexcept) {
  const auto field = object.find(name);
  return field != object.end() && ((*field).*has_type)() ? &*field : nullptr;
}

}  // namespace

std::optional<std::string> string_field(const json& object, std::string_view name) {
  const auto* field = typed_field(object, name, &json::is_string);
  return field ? std::optional(field->get<std::string>()) : std::nullopt;
}

std::optional<std::int64_t> integer_field(const json& object, std::string_view name) {
  const auto* field = typed_field(object, name, &json::is_number_integer);
  return field ? std::optional(field->get<std::int64_t>()) : std::nullopt;
}

std::optional<bool> boolean_field(const json& object, std::string_view name) {
  const auto* field = typed_field(object, name, &json::is_boolean);
  return field ? std::optional(field->get<bool>()) : std::nullopt;
}

std::string value_text(const json& record) { return record.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace katabot::coordination
