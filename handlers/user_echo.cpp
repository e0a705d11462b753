#include "handlers/user_echo.hpp"

#include <algorithm>

namespace katabot {

bool may_echo(std::string_view word) {
  const auto plain = [](unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == '/' || c == '+' || c == ':' || c == '-';
  };
  return !word.empty() && word.size() <= max_echo_bytes && std::all_of(word.begin(), word.end(), plain);
}

}  // namespace katabot
