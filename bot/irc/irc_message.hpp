#pragma once
// IRC message grammar without I/O: parse one line (CR LF already removed) into tags, source, verb and
// params, and serialize it back. Byte-exact: text decoding and casefolding are separate helpers.
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace katabot::irc {

struct Message {
  // In arrival order; a repeated key keeps its last value (IRCv3 message-tags).
  std::vector<std::pair<std::string, std::string>> tags;
  std::string source;  // without the leading ':'; empty when the server omitted it
  std::string verb;    // as received; compare through command()
  std::vector<std::string> params;  // the trailing param is an ordinary last element

  // The verb uppercased, for dispatch (verbs are case-insensitive).
  std::string command() const;
  const std::string* tag(std::string_view key) const;
  // Param i, or an empty view when the server sent fewer (numerics with odd counts).
  std::string_view param(std::size_t index) const;
};

// Lines whose tag section exceeds this are dropped (IRCv3 message-tags).
inline constexpr std::size_t max_tag_section_bytes = 8191;
inline constexpr std::size_t max_line_bytes = 512;  // including CR LF, excluding tags

// nullopt for a line with no verb, or a verb that is neither letters nor three digits.
std::optional<Message> parse_message(std::string_view line);

// The wire form without CR LF. The last param gets a ':' only when it needs one.
std::string serialize(const Message& message);

struct UserHost {
  std::string nick;
  std::string user;
  std::string host;
};
UserHost split_userhost(std::string_view source);

// Removes mIRC formatting: bold, italic, underline, strike, monospace, reverse, reset, and colour
// codes with their arguments (\x03NN,MM and \x04RRGGBB).
std::string strip_formatting(std::string_view text);

bool is_valid_utf8(std::string_view bytes);
// UTF-8 as is; anything else is read as Latin-1 and re-encoded, so decoding never fails.
std::string decode_text(std::string_view bytes);

enum class CaseMapping { ascii, rfc1459, strict_rfc1459 };
// Unknown names map to rfc1459, the protocol default.
CaseMapping parse_casemapping(std::string_view name);
std::string casefold(std::string_view text, CaseMapping mapping);

}  // namespace katabot::irc
