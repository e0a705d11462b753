#include "bot/coordination/election.hpp"

#include <algorithm>
#include <utility>

namespace katabot::coordination {

std::string_view role_name(Role role) {
  switch (role) {
    case Role::standalone: return "standalone";
    case Role::follower: return "follower";
    case Role::candidate: return "candidate";
    case Role::leader: return "leader";
    case Role::stepping_down: return "stepping_down";
  }
  return "unknown";
}

std::string_view loss_reason_name(LossReason reason) {
  switch (reason) {
    case LossReason::lease_lost: return "lease_lost";
    case LossReason::renew_timeout: return "renew_timeout";
    case LossReason::deposed: return "deposed";
    case LossReason::shutdown: return "shutdown";
  }
  return "unknown";
}

Election::Election(ElectionSettings settings, std::string identity)
    : settings_(settings), identity_(std::move(identity)) {}

Request Election::next_request(time_point now) {
  tick(now);
  if (in_flight_) return Request::none;
  auto send = [this](Request request) {
    in_flight_ = true;
    return request;
  };
  if (!revokes_.empty() && now >= next_revoke_) return send(Request::revoke);
  if (resigned_) return Request::none;
  if (lease_id_ == 0) return now >= next_grant_ ? send(Request::grant) : Request::none;
  if (now >= next_keepalive_) return send(Request::keepalive);
  if (now >= next_check_) {
    if (role_ == Role::leader) return send(Request::verify);
    if (holder_.empty()) role_ = Role::candidate;  // no leader seen: this campaign may win
    return send(Request::campaign);
  }
  return Request::none;
}

Election::time_point Election::wake_at() const {
  auto wake = revokes_.empty() ? time_point::max() : next_revoke_;
  if (resigned_) return wake;
  if (lease_id_ == 0) return std::min(wake, next_grant_);
  wake = std::min({wake, next_keepalive_, next_check_, lease_deadline_});
  if (role_ == Role::leader) wake = std::min(wake, act_deadline());
  return wake;
}

void Election::tick(time_point now) {
  if (lease_id_ == 0) return;
  if (role_ == Role::leader && now >= act_deadline()) {
    step_down(LossReason::renew_timeout);
  } else if (role_ != Role::leader && now >= lease_deadline_) {
    // Keepalives failed for a whole TTL: the server has dropped it, or soon will.
    forget_lease(true);
    role_ = Role::follower;
  }
}

void Election::on_granted(const LeaseGrant& grant, time_point sent_at) {
  in_flight_ = false;
  if (resigned_) {
    revokes_.push_back(grant.id);  // granted while shutting down: give it back at once
    return;
  }
  lease_id_ = grant.id;
  lease_ttl_ = std::chrono::seconds(grant.ttl_seconds);
  lease_deadline_ = sent_at + lease_ttl_;
  next_keepalive_ = sent_at + lease_ttl_ / 3;
  next_check_ = sent_at;  // campaign at once
}

void Election::on_keepalive(const KeepAlive& answer, time_point sent_at, time_point now) {
  in_flight_ = false;
  if (lease_id_ == 0 || answer.id != lease_id_) return;  // an answer about a lease we already gave up
  if (answer.ttl_seconds <= 0) return on_lease_not_found(now);
  lease_deadline_ = std::max(lease_deadline_, sent_at + std::chrono::seconds(answer.ttl_seconds));
  next_keepalive_ = sent_at + lease_ttl_ / 3;
}

bool Election::holds_key(const KeyValue& kv) const { return kv.lease == lease_id_ && lease_id_ != 0; }

void Election::on_campaign(const TxnResult& result, time_point now) {
  in_flight_ = false;
  if (lease_id_ == 0 || role_ == Role::leader || role_ == Role::stepping_down) return;
  next_check_ = now + settings_.retry_period;
  if (now >= lease_deadline_ - settings_.safety_margin) {
    role_ = Role::follower;  // too late in our lease to start leading with it; the keepalive decides
    return;
  }
  std::optional<std::int64_t> won;
  if (result.succeeded) {
    won = result.revision;
  } else if (!result.ranged.empty() && holds_key(result.ranged.front())) {
    won = result.ranged.front().create_revision;  // our earlier campaign succeeded but its answer was lost
  }
  if (won) {
    role_ = Role::leader;
    epoch_ = *won;
    holder_ = identity_;
    changes_.push_back({true, epoch_, {}});
    return;
  }
  if (result.ranged.empty()) {
    role_ = Role::candidate;  // deleted between the compare and the range: try again soon
    holder_.clear();
    next_check_ = now;
  } else {
    role_ = Role::follower;
    holder_ = result.ranged.front().value;
  }
}

void Election::on_verify(const RangeResult& result, time_point now) {
  in_flight_ = false;
  if (role_ != Role::leader) return;
  next_check_ = now + settings_.retry_period;
  if (result.kvs.empty() || !holds_key(result.kvs.front()) || result.kvs.front().create_revision != epoch_) {
    holder_ = result.kvs.empty() ? std::string() : result.kvs.front().value;
    step_down(LossReason::deposed);
  }
}

void Election::on_fenced(std::int64_t epoch) {
  if (role_ == Role::leader && epoch == epoch_) step_down(LossReason::deposed);
}

void Election::on_revoked() {
  in_flight_ = false;
  if (!revokes_.empty()) revokes_.erase(revokes_.begin());
  if (role_ == Role::stepping_down) role_ = Role::follower;
}

void Election::on_lease_not_found(time_point now) {
  in_flight_ = false;
  if (lease_id_ == 0) return;
  if (role_ == Role::leader) {
    step_down(LossReason::lease_lost);
    revokes_.pop_back();  // nothing left to revoke
    role_ = Role::follower;
  } else {
    forget_lease(false);
    role_ = Role::follower;
  }
  next_grant_ = now;
}

void Election::on_failed(Request request, time_point now, std::chrono::milliseconds retry_after) {
  in_flight_ = false;
  switch (request) {
    case Request::grant: next_grant_ = now + retry_after; break;
    case Request::keepalive: next_keepalive_ = now + retry_after; break;
    case Request::campaign:
    case Request::verify: next_check_ = now + retry_after; break;
    case Request::revoke:
      if (resigned_) {
        on_revoked();  // shutting down: one try, then the TTL ends it
      } else {
        next_revoke_ = now + retry_after;
        if (role_ == Role::stepping_down) role_ = Role::follower;
      }
      break;
    case Request::none: break;
  }
  tick(now);
}

void Election::on_leader_key_deleted(time_point now) {
  if (lease_id_ != 0) next_check_ = std::min(next_check_, now);
}

void Election::resign(time_point now) {
  if (resigned_) return;
  resigned_ = true;
  if (role_ == Role::leader) {
    step_down(LossReason::shutdown);
  } else if (lease_id_ != 0) {
    forget_lease(true);
  }
  tick(now);
}

bool Election::may_act(time_point now) const { return role_ == Role::leader && now < act_deadline(); }

std::vector<LeadershipChange> Election::take_changes() { return std::exchange(changes_, {}); }

void Election::step_down(LossReason reason) {
  changes_.push_back({false, epoch_, reason});
  if (holder_ == identity_) holder_.clear();
  role_ = Role::stepping_down;
  forget_lease(true);
}

void Election::forget_lease(bool revoke) {
  constexpr std::size_t max_revokes = 4;  // older ones end with their TTL anyway
  if (revoke) revokes_.push_back(lease_id_);
  if (revokes_.size() > max_revokes) revokes_.erase(revokes_.begin());
  lease_id_ = 0;
  if (role_ != Role::stepping_down) role_ = Role::follower;
}

}  // namespace katabot::coordination
