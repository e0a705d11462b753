#pragma once
// What of a user's words the bot may repeat in a channel.
#include <cstddef>
#include <string_view>

namespace katabot {

inline constexpr std::size_t max_echo_bytes = 20;

// True for one short plain token (letters, digits and . _ / + : -, at most max_echo_bytes).
// Anything else is never quoted back: a list of nicks repeated by the bot highlights every one of
// them, and networks ban bots for mass highlights.
bool may_echo(std::string_view word);

}  // namespace katabot
