#pragma once
// Validation of text that must be UTF-8 (the knowledge base and the configuration): a bad byte in a
// topic would otherwise reach IRC and Slack as mojibake or be refused by Slack's API.
#include <cstddef>
#include <optional>
#include <string_view>

namespace katabot {

// Offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no overlong
// forms, no surrogates, nothing above U+10FFFF, no sequence cut short); nullopt when all is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace katabot
