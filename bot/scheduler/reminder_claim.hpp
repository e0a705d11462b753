#pragma once
// What a claims store answers about one reminder (reminder_claims.hpp): whether this leader may
// post it, and what became of the record of its outcome. Plain data, shared by the scheduler, the
// local ledger store and the etcd store's pure reading of etcd's answers.
#include <chrono>
#include <cstdint>
#include <string>

namespace katabot {

enum class ClaimResult {
  won,          // ours to post (then mark)
  done,         // already posted or skipped: nothing to do
  ambiguous,    // claimed by an earlier leader that never marked it: posted or not, nobody knows
  fenced,       // we are no longer the leader: stop, post nothing
  unavailable,  // no answer from the store: try again later, never post without a claim
};

struct Claim {
  ClaimResult result = ClaimResult::unavailable;
  // What a mark must find unchanged (etcd: the claim key's mod revision); 0 for the local ledger.
  std::int64_t revision = 0;
  // ambiguous: when the earlier leader claimed it, so a platform is searched from shortly before.
  std::chrono::sys_seconds claimed_at{};
  // won: the store cannot rule out that an earlier process posted it unrecorded (the local ledger
  // records after the post), so the platform is asked first where it can tell.
  bool verify_first = false;
  std::string detail;  // for the log
  // ambiguous: the epoch of the leader that claimed it (0 when unknown). Only that leader could
  // write a claim at that epoch.
  std::int64_t claimed_epoch = 0;
};

enum class MarkResult {
  marked,
  fenced,       // we are no longer the leader
  unavailable,  // no answer: mark again later (the post itself is done)
  superseded,   // the claim changed under us; its record is someone else's now
};

// What a new leader does with an ambiguous claim (ha.md §3.4): verify = look for the post on the
// platform (Slack message metadata) and post only when it is not there; skip = record it skipped
// (at most once); repost = post it again (at least once).
enum class AmbiguousAction { verify, skip, repost };

struct AmbiguousPolicy {
  AmbiguousAction slack = AmbiguousAction::verify;
  AmbiguousAction irc = AmbiguousAction::skip;  // IRC keeps no history to look in
};

}  // namespace katabot
