#pragma once
// The records our codecs keep as etcd values (claim records, outbox entries) are small JSON
// objects. Anyone with write access to the prefix can put anything there, so a value is read back
// only within its record's size bound, and each field only at the type the record promises: a
// field that is missing or of another type reads as nullopt, never as an exception.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace katabot::coordination {

// The value as a JSON object; nullopt when it is longer than `max_bytes` (then it is not parsed),
// not JSON, or not an object.
std::optional<nlohmann::json> parse_value_object(std::string_view value, std::size_t max_bytes);

std::optional<std::string> string_field(const nlohmann::json& object, std::string_view name);
std::optional<std::int64_t> integer_field(const nlohmann::json& object, std::string_view name);
std::optional<bool> boolean_field(const nlohmann::json& object, std::string_view name);

// A record as stored: one line, invalid UTF-8 in user text replaced instead of thrown.
std::string value_text(const nlohmann::json& record);

}  // namespace katabot::coordination
