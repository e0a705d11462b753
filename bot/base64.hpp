#pragma once
// Standard base64 (RFC 4648 §4, with padding): SASL PLAIN on IRC and the bytes fields of etcd's
// JSON gateway. Our own because Beast's codec lives in a detail namespace.
#include <optional>
#include <string>
#include <string_view>

namespace katabot {

std::string base64_encode(std::string_view bytes);
// nullopt unless `text` is canonical padded base64 (length a multiple of 4, only the alphabet).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace katabot
