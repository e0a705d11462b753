#pragma once
// Answers waiting for the flood buckets, kept per asker and served one line at a time, round robin:
// however much one person asks, anybody else's next line waits at most one line per other asker.
// Bounded three ways: a cap per asker, a small shared lane for CTCP replies (so a hundred nicks
// sending CTCP VERSION cost everyone else one slot per round, not a hundred), and a total. When the
// total is reached the CTCP lane gives way first, then whoever has the most lines waiting.
#include <cstddef>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace katabot::irc {

struct FairQueueLimits {
  std::size_t total_lines = 64;
  std::size_t lines_per_asker = 20;  // one full private answer (15 lines and the channel note) fits
  std::size_t ctcp_lines = 2;
};

class FairQueue {
 public:
  // Learns whether the reply's last line was written (true) or the reply was dropped (false).
  using Done = std::function<void(bool delivered)>;
  struct Line {
    std::string text;
    Done done;  // set on the last line of a reply only
  };

  explicit FairQueue(FairQueueLimits limits = {});

  // Queues one reply for `asker` (a casefolded nick; empty for the bot's own announcements, which
  // are never evicted). Refused replies learn it through `done` at once; returns whether queued.
  bool push(const std::string& asker, std::vector<std::string> lines, Done done = {});
  // A CTCP reply: refused when its lane is full, never pushes an answer out.
  bool push_ctcp(std::string line);

  bool empty() const { return serving_order_.empty(); }
  std::size_t size() const { return total_; }
  // The next line to send; only when !empty().
  const std::string& front() const;
  Line pop();
  // Drops everything; every reply learns it was not delivered.
  void clear();

 private:
  struct Pending {
    std::vector<std::string> lines;
    std::size_t next = 0;
    Done done;
  };
  struct Lane {
    std::deque<Pending> replies;
    std::size_t lines = 0;
  };

  std::size_t cap_for(const std::string& lane) const;
  // The lane whose newest reply gives way so that `incoming` lines fit, or nullptr.
  std::map<std::string, Lane>::iterator victim_for(const std::string& asker, std::size_t asker_lines);
  void drop_newest(std::map<std::string, Lane>::iterator lane);
  bool append(const std::string& lane, std::vector<std::string> lines, Done done);

  FairQueueLimits limits_;
  std::map<std::string, Lane> lanes_;         // only lanes with lines waiting
  std::deque<std::string> serving_order_;     // each lane of lanes_ once, next to serve first
  std::size_t total_ = 0;
};

}  // namespace katabot::irc
