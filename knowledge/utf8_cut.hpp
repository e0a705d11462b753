#pragma once
// Cutting text to a size without splitting a UTF-8 code point: a lone lead byte (0xC3 of "é") sent
// to IRC or Slack shows as garbage, and strict servers and JSON encoders reject the whole message.
#include <cstddef>
#include <string>
#include <string_view>

namespace katabot {

// The longest prefix of `text` that fits in `max_bytes` and ends on a code point boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t max_bytes);

// The first `count` code points of `text` (all of it when it has fewer).
std::string_view first_code_points(std::string_view text, std::size_t count);

// `text` itself when it fits in `max_bytes`; otherwise its longest prefix that fits together with
// `marker` (such as "…", so readers see that something was cut), followed by `marker`.
std::string truncate_utf8(std::string_view text, std::size_t max_bytes, std::string_view marker = {});

}  // namespace katabot
