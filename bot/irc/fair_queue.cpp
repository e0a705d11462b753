#include "bot/irc/fair_queue.hpp"

#include <algorithm>

#include <spdlog/spdlog.h>

namespace katabot::irc {
namespace {

// Nicks never contain a space, so this key cannot belong to an asker.
const std::string ctcp_lane = " ctcp";

std::string lane_name(const std::string& lane) {
  if (lane == ctcp_lane) return "CTCP replies";
  return lane.empty() ? "announcements" : lane;
}

}  // namespace

FairQueue::FairQueue(FairQueueLimits limits) : limits_(limits) {}

bool FairQueue::push(const std::string& asker, std::vector<std::string> lines, Done done) {
  return append(asker, std::move(lines), std::move(done));
}

bool FairQueue::push_ctcp(std::string line) { return append(ctcp_lane, {std::move(line)}, {}); }

std::size_t FairQueue::cap_for(const std::string& lane) const {
  if (lane == ctcp_lane) return limits_.ctcp_lines;
  return lane.empty() ? limits_.total_lines : limits_.lines_per_asker;
}

std::map<std::string, FairQueue::Lane>::iterator FairQueue::victim_for(const std::string& asker,
                                                                      std::size_t asker_lines) {
  if (asker == ctcp_lane) return lanes_.end();  // a CTCP reply never pushes an answer out
  if (const auto ctcp = lanes_.find(ctcp_lane); ctcp != lanes_.end()) return ctcp;
  auto longest = lanes_.end();
  for (auto lane = lanes_.begin(); lane != lanes_.end(); ++lane) {
    if (lane->first.empty() || lane->first == asker) continue;
    if (longest == lanes_.end() || lane->second.lines > longest->second.lines) longest = lane;
  }
  // Only someone with more waiting than the asker gives way; otherwise the newcomer is the flooder.
  return longest != lanes_.end() && longest->second.lines > asker_lines ? longest : lanes_.end();
}

void FairQueue::drop_newest(std::map<std::string, Lane>::iterator lane) {
  auto& newest = lane->second.replies.back();
  const auto left = newest.lines.size() - newest.next;
  auto done = std::move(newest.done);
  lane->second.lines -= left;
  total_ -= left;
  lane->second.replies.pop_back();
  spdlog::warn("irc: send queue full; dropped {} waiting lines for {}", left, lane_name(lane->first));
  if (lane->second.replies.empty()) {
    std::erase(serving_order_, lane->first);
    lanes_.erase(lane);
  }
  if (done) done(false);
}

bool FairQueue::append(const std::string& lane_key, std::vector<std::string> lines, Done done) {
  const auto refuse = [&](std::string_view why) {
    if (!lines.empty()) spdlog::warn("irc: dropping a reply of {} lines for {}: {}", lines.size(), lane_name(lane_key), why);
    if (done) done(false);
    return false;
  };
  if (lines.empty()) return refuse("nothing to send");
  const auto existing = lanes_.find(lane_key);
  const auto waiting = existing == lanes_.end() ? 0 : existing->second.lines;
  if (waiting + lines.size() > cap_for(lane_key)) return refuse("too many lines already waiting for them");
  while (total_ + lines.size() > limits_.total_lines) {
    const auto victim = victim_for(lane_key, waiting);
    if (victim == lanes_.end()) return refuse("the send queue is full");
    drop_newest(victim);
  }
  auto& lane = lanes_[lane_key];
  if (lane.replies.empty()) serving_order_.push_back(lane_key);
  lane.lines += lines.size();
  total_ += lines.size();
  lane.replies.push_back(Pending{std::move(lines), 0, std::move(done)});
  return true;
}

const std::string& FairQueue::front() const {
  const auto& reply = lanes_.at(serving_order_.front()).replies.front();
  return reply.lines[reply.next];
}

FairQueue::Line FairQueue::pop() {
  const auto key = std::move(serving_order_.front());
  serving_order_.pop_front();
  const auto lane = lanes_.find(key);
  auto& reply = lane->second.replies.front();
  Line line{std::move(reply.lines[reply.next++]), {}};
  --lane->second.lines;
  --total_;
  if (reply.next == reply.lines.size()) {
    line.done = std::move(reply.done);
    lane->second.replies.pop_front();
  }
  if (lane->second.replies.empty()) {
    lanes_.erase(lane);
  } else {
    serving_order_.push_back(key);
  }
  return line;
}

void FairQueue::clear() {
  std::vector<Done> waiting;
  for (auto& [key, lane] : lanes_) {
    for (auto& reply : lane.replies) {
      if (reply.done) waiting.push_back(std::move(reply.done));
    }
  }
  lanes_.clear();
  serving_order_.clear();
  total_ = 0;
  for (auto& done : waiting) done(false);
}

}  // namespace katabot::irc
