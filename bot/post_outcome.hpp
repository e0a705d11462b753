#pragma once
// What became of a message an adapter was asked to post (a reminder, a broadcast). Only
// `delivered` may be recorded as sent: "written to a socket" is not delivery on IRC (the server
// drops a PRIVMSG to a channel we are not in), and an ambiguous Slack failure may have posted.
#include <chrono>
#include <string>

namespace katabot {

struct PostOutcome {
  enum class Kind { delivered, retry_later, failed };

  Kind kind = Kind::failed;
  std::chrono::milliseconds retry_after{0};  // retry_later: when trying again makes sense
  std::string reason;                        // retry_later, failed: for the log

  static PostOutcome delivered() { return {Kind::delivered, {}, {}}; }
  static PostOutcome retry_later(std::chrono::milliseconds after, std::string why) {
    return {Kind::retry_later, after, std::move(why)};
  }
  static PostOutcome failed(std::string why) { return {Kind::failed, {}, std::move(why)}; }

  bool is_delivered() const { return kind == Kind::delivered; }
};

}  // namespace katabot
