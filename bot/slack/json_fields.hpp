#pragma once
// Reading JSON from Slack without trusting its shape: a missing field, a null or a value of the
// wrong type reads as absent, never as an exception (nlohmann's value() throws type_error.302 on
// {"tz": null}).
#include <cstdint>
#include <string>

#include <nlohmann/json_fwd.hpp>

namespace katabot::slack {

// The string at `key` of `object`, or "" when `object` is not an object or the field is not a string.
std::string string_field(const nlohmann::json& object, const char* key);
// The integer at `key`, or 0.
std::int64_t integer_field(const nlohmann::json& object, const char* key);
// True only for a JSON `true` at `key`.
bool true_field(const nlohmann::json& object, const char* key);
// The object at `key`, or nullptr.
const nlohmann::json* object_field(const nlohmann::json& object, const char* key);

}  // namespace katabot::slack
