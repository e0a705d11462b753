#include "bot/irc/irc_message.hpp"

#include <algorithm>
#include <cstdint>

namespace katabot::irc {
namespace {

std::string unescape_tag_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    if (value[i] != '\\') {
      out += value[i];
      continue;
    }
    if (++i == value.size()) break;  // a lone trailing backslash is dropped
    switch (value[i]) {
      case ':': out += ';'; break;
      case 's': out += ' '; break;
      case 'r': out += '\r'; break;
      case 'n': out += '\n'; break;
      default: out += value[i]; break;  // "\\" and any other escaped character stand for themselves
    }
  }
  return out;
}

std::string escape_tag_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
      case ';': out += "\\:"; break;
      case ' ': out += "\\s"; break;
      case '\\': out += "\\\\"; break;
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      default: out += c; break;
    }
  }
  return out;
}

void set_tag(std::vector<std::pair<std::string, std::string>>& tags, std::string key, std::string value) {
  const auto existing = std::find_if(tags.begin(), tags.end(), [&](const auto& tag) { return tag.first == key; });
  if (existing != tags.end()) {
    existing->second = std::move(value);
  } else {
    tags.emplace_back(std::move(key), std::move(value));
  }
}

void parse_tags(std::string_view section, Message& message) {
  while (!section.empty()) {
    const auto end = section.find(';');
    const auto item = section.substr(0, end);
    section = end == std::string_view::npos ? std::string_view{} : section.substr(end + 1);
    const auto equals = item.find('=');
    const auto key = item.substr(0, equals);
    if (key.empty()) continue;
    set_tag(message.tags, std::string(key),
            equals == std::string_view::npos ? std::string{} : unescape_tag_value(item.substr(equals + 1)));
  }
}

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_valid_verb(std::string_view verb) {
  if (verb.empty()) return false;
  if (std::all_of(verb.begin(), verb.end(), is_letter)) return true;
  return verb.size() == 3 && std::all_of(verb.begin(), verb.end(), is_digit);
}

// Splits off the next space-delimited word; runs of spaces count as one separator.
std::string_view next_word(std::string_view& rest) {
  const auto end = rest.find(' ');
  const auto word = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  const auto next = rest.find_first_not_of(' ');
  rest = next == std::string_view::npos ? std::string_view{} : rest.substr(next);
  return word;
}

bool is_hex(char c) { return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

// Length of a run of at most `max` characters satisfying `accept`, starting at `at`.
template <typename Predicate>
std::size_t run_length(std::string_view text, std::size_t at, std::size_t max, Predicate accept) {
  std::size_t n = 0;
  while (n < max && at + n < text.size() && accept(text[at + n])) ++n;
  return n;
}

}  // namespace

std::string Message::command() const {
  std::string upper = verb;
  for (auto& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

const std::string* Message::tag(std::string_view key) const {
  for (const auto& [name, value] : tags) {
    if (name == key) return &value;
  }
  return nullptr;
}

std::string_view Message::param(std::size_t index) const {
  return index < params.size() ? std::string_view(params[index]) : std::string_view{};
}

std::optional<Message> parse_message(std::string_view line) {
  Message message;
  auto rest = line.substr(std::min(line.find_first_not_of(' '), line.size()));
  if (!rest.empty() && rest.front() == '@') {
    const auto tag_section = next_word(rest);
    if (tag_section.size() + 1 > max_tag_section_bytes) return std::nullopt;
    parse_tags(tag_section.substr(1), message);
  }
  if (!rest.empty() && rest.front() == ':') message.source = std::string(next_word(rest).substr(1));
  const auto verb = next_word(rest);
  if (!is_valid_verb(verb)) return std::nullopt;
  message.verb = std::string(verb);
  while (!rest.empty()) {
    if (rest.front() == ':') {
      message.params.emplace_back(rest.substr(1));
      break;
    }
    message.params.emplace_back(next_word(rest));
  }
  return message;
}

std::string serialize(const Message& message) {
  std::string line;
  if (!message.tags.empty()) {
    line += '@';
    for (std::size_t i = 0; i < message.tags.size(); ++i) {
      if (i > 0) line += ';';
      line += message.tags[i].first;
      // An empty value is sent as a bare key: converting "missing" to "empty" wastes tag budget.
      if (!message.tags[i].second.empty()) line += '=' + escape_tag_value(message.tags[i].second);
    }
    line += ' ';
  }
  if (!message.source.empty()) line += ':' + message.source + ' ';
  line += message.verb;
  for (std::size_t i = 0; i < message.params.size(); ++i) {
    const auto& param = message.params[i];
    line += ' ';
    const bool last = i + 1 == message.params.size();
    if (last && (param.empty() || param.front() == ':' || param.find(' ') != std::string::npos)) line += ':';
    line += param;
  }
  return line;
}

UserHost split_userhost(std::string_view source) {
  UserHost parts;
  const auto at = source.find('@');
  if (at != std::string_view::npos) parts.host = std::string(source.substr(at + 1));
  const auto nick_user = source.substr(0, at);
  const auto bang = nick_user.find('!');
  parts.nick = std::string(nick_user.substr(0, bang));
  if (bang != std::string_view::npos) parts.user = std::string(nick_user.substr(bang + 1));
  return parts;
}

std::string strip_formatting(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    switch (c) {
      case '\x02': case '\x0F': case '\x11': case '\x16': case '\x1D': case '\x1E': case '\x1F':
        break;
      case '\x03': {
        auto at = i + 1;
        const auto foreground = run_length(text, at, 2, is_digit);
        at += foreground;
        // ",NN" belongs to the code only after a foreground and when a digit follows the comma.
        if (foreground > 0 && at + 1 < text.size() && text[at] == ',' && is_digit(text[at + 1])) {
          at += 1 + run_length(text, at + 1, 2, is_digit);
        }
        i = at - 1;
        break;
      }
      case '\x04': {
        auto at = i + 1;
        const auto foreground = run_length(text, at, 6, is_hex);
        at += foreground;
        if (foreground == 6 && at < text.size() && text[at] == ',' && run_length(text, at + 1, 6, is_hex) == 6) at += 7;
        i = at - 1;
        break;
      }
      default:
        out += c;
    }
  }
  return out;
}

bool is_valid_utf8(std::string_view bytes) {
  std::size_t i = 0;
  while (i < bytes.size()) {
    const auto lead = static_cast<unsigned char>(bytes[i]);
    std::size_t length = 0;
    std::uint32_t code_point = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    } else if ((lead & 0xE0) == 0xC0) {
      length = 2, code_point = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      length = 3, code_point = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      length = 4, code_point = lead & 0x07;
    } else {
      return false;
    }
    if (i + length > bytes.size()) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(bytes[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and values past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t minimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < minimum[length] || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string decode_text(std::string_view bytes) {
  if (is_valid_utf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x80) {
      out += c;
    } else {
      out += static_cast<char>(0xC0 | (byte >> 6));
      out += static_cast<char>(0x80 | (byte & 0x3F));
    }
  }
  return out;
}

CaseMapping parse_casemapping(std::string_view name) {
  if (name == "ascii") return CaseMapping::ascii;
  if (name == "strict-rfc1459") return CaseMapping::strict_rfc1459;
  return CaseMapping::rfc1459;
}

std::string casefold(std::string_view text, CaseMapping mapping) {
  std::string folded(text);
  for (auto& c : folded) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    } else if (mapping != CaseMapping::ascii && (c == '[' || c == ']' || c == '\\')) {
      c = static_cast<char>(c + 32);  // [ ] \ fold to { } |
    } else if (mapping == CaseMapping::rfc1459 && c == '~') {
      c = '^';
    }
  }
  return folded;
}

}  // namespace katabot::irc
