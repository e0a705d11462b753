#include "bot/irc/post_receipts.hpp"

#include <algorithm>

namespace katabot::irc {

PostReceipts::PostReceipts(std::chrono::steady_clock::duration timeout, std::size_t max_pending)
    : timeout_(timeout), max_pending_(max_pending) {}

std::optional<PostReceipts::Tracked> PostReceipts::track(std::string folded_target, time_point now) {
  if (pending_.size() >= max_pending_) return std::nullopt;
  const auto id = next_id_++;
  pending_.push_back({id, std::move(folded_target), now, std::nullopt});
  return Tracked{id, "PING :" + std::string(token_prefix) + std::to_string(id)};
}

void PostReceipts::on_refusal(std::string_view folded_target, std::string why) {
  const auto oldest = std::find_if(pending_.begin(), pending_.end(),
                                   [&](const Pending& post) { return post.folded_target == folded_target; });
  // A multi-line post may be refused once per line: the first reason is the one to tell.
  if (oldest != pending_.end() && !oldest->refusal) oldest->refusal = std::move(why);
}

void PostReceipts::on_pong(std::string_view token, std::vector<PostReceipt>& settled) {
  if (!token.starts_with(token_prefix)) return;
  token.remove_prefix(token_prefix.size());
  const auto post = std::find_if(pending_.begin(), pending_.end(),
                                 [&](const Pending& pending) { return std::to_string(pending.id) == token; });
  if (post == pending_.end()) return;
  settled.push_back({post->id, post->refusal});
  pending_.erase(post);
}

void PostReceipts::expire(time_point now, std::vector<PostReceipt>& settled) {
  std::erase_if(pending_, [&](const Pending& post) {
    if (now - post.tracked_at < timeout_) return false;
    settled.push_back({post.id, post.refusal ? post.refusal : "no answer from the server in time"});
    return true;
  });
}

}  // namespace katabot::irc
