#include "bot/slack/json_fields.hpp"

#include <nlohmann/json.hpp>

namespace katabot::slack {
namespace {

// find() on a non-object answers end(), so every caller may pass whatever Slack sent.
const nlohmann::json* field(const nlohmann::json& object, const char* key) {
  const auto found = object.find(key);
  return found == object.end() ? nullptr : &*found;
}

}  // namespace

std::string string_field(const nlohmann::json& object, const char* key) {
  const auto* value = field(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string();
}

std::int64_t integer_field(const nlohmann::json& object, const char* key) {
  const auto* value = field(object, key);
  return value != nullptr && value->is_number_integer() ? value->get<std::int64_t>() : 0;
}

bool true_field(const nlohmann::json& object, const char* key) {
  const auto* value = field(object, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

const nlohmann::json* object_field(const nlohmann::json& object, const char* key) {
  const auto* value = field(object, key);
  return value != nullptr && value->is_object() ? value : nullptr;
}

}  // namespace katabot::slack
