#pragma once
// Whether the server took a message the bot posted. IRC never acknowledges a PRIVMSG; it only
// refuses one (404 cannot send to channel, 442 not on channel, 403 no such channel, 401 no such
// nick). A server answers in order, so a PING sent right after the post is a receipt: its PONG
// arriving with no refusal for that target in between means the post was accepted.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace katabot::irc {

struct PostReceipt {
  std::uint64_t id = 0;
  std::optional<std::string> failure;  // nullopt: the server accepted the post
};

class PostReceipts {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  static constexpr std::string_view token_prefix = "katabot-post-";

  PostReceipts(std::chrono::steady_clock::duration timeout, std::size_t max_pending);

  struct Tracked {
    std::uint64_t id;
    std::string ping_line;  // to send right after the post's last line
  };
  // Starts waiting for the receipt of a post to `folded_target`; nullopt when max_pending posts
  // already wait (the caller tries later).
  std::optional<Tracked> track(std::string folded_target, time_point now);
  // A refusal numeric naming `folded_target`: it belongs to the oldest post to it still waiting,
  // since the server answers in order and the newer ones' lines come after it.
  void on_refusal(std::string_view folded_target, std::string why);
  // A PONG: settles the post whose receipt it is.
  void on_pong(std::string_view token, std::vector<PostReceipt>& settled);
  // Posts waiting longer than the timeout fail: the link is too slow or dead to tell.
  void expire(time_point now, std::vector<PostReceipt>& settled);

  std::size_t pending() const { return pending_.size(); }

 private:
  struct Pending {
    std::uint64_t id;
    std::string folded_target;
    time_point tracked_at;
    std::optional<std::string> refusal;
  };

  std::chrono::steady_clock::duration timeout_;
  std::size_t max_pending_;
  std::deque<Pending> pending_;  // oldest first
  std::uint64_t next_id_ = 1;
};

}  // namespace katabot::irc
