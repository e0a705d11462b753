#pragma once
// Making text safe and short enough to send: every user-derived field loses CR, LF and NUL (and \x01
// in message text, so a reply can never turn into CTCP), and long text is split so that each line,
// as the server relays it with our ":nick!user@host" prefix, stays within the line limit.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace katabot::irc {

// Removes CR, LF and NUL: nothing the bot sends can smuggle a second command.
std::string sanitize_param(std::string_view text);
// sanitize_param, and \x01 removed too.
std::string sanitize_text(std::string_view text);
// A middle param (target, nick) is usable only if non-empty, without spaces, not starting with ':'.
bool is_valid_middle_param(std::string_view param);

// Bytes left for the text of `VERB target :text` relayed as ":prefix VERB target :text\r\n".
std::size_t text_budget(std::string_view own_prefix, std::string_view verb, std::string_view target,
                        std::size_t line_limit = 512);
// Our prefix as the server will show it; before the server told us, assume the longest plausible
// user ("~" + username) and host (63 bytes) so the budget errs on the safe side.
std::string assumed_prefix(std::string_view nick, std::string_view username);

// Splits at the last space that fits, else at a UTF-8 code point boundary. Joining the pieces with
// the single spaces that were cut reproduces the input.
std::vector<std::string> split_text(std::string_view text, std::size_t budget);

}  // namespace katabot::irc
