#pragma once
// Slack tokens (xapp-, xoxb-, …) and Socket Mode tickets must never reach a log: every log line
// that could carry one goes through redact_secrets first.
#include <string>
#include <string_view>

namespace katabot::slack {

// "Bearer xapp-1-A1-2-abc" → "Bearer xapp-…redacted"; "?ticket=abc&app_id=A1" → "?ticket=…redacted&app_id=A1".
std::string redact_secrets(std::string_view text);

}  // namespace katabot::slack
