#include "bot/coordination/elector.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

// A watch with no message for this long is reopened: a quiet key and a dead connection look alike.
constexpr std::chrono::seconds watch_idle{60};

ElectionSettings election_settings(const CoordinationConfig& config) {
  return {config.lease_ttl, config.retry_period, config.safety_margin};
}

}  // namespace

struct Elector::State {
  State(asio::any_io_executor executor, const CoordinationConfig& config, ElectorEvents events_)
      : standalone(config.backend == CoordinationConfig::Backend::none),
        leader_key(config.key_prefix + "leader"),
        lease_ttl(config.lease_ttl),
        request_timeout(config.request_timeout),
        events(std::move(events_)),
        election(election_settings(config), config.identity),
        // Failed calls are retried from a tenth of the poll period up to a third of the TTL, so a
        // leader still gets several keepalive attempts in before its deadline.
        backoff(std::chrono::duration_cast<std::chrono::milliseconds>(config.retry_period) / 10,
                std::chrono::duration_cast<std::chrono::milliseconds>(config.lease_ttl) / 3),
        watch_backoff(std::chrono::duration_cast<std::chrono::milliseconds>(config.retry_period),
                      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::seconds(30))),
        wake(executor),
        watch_pause(executor) {
    if (!standalone) client = std::make_unique<EtcdClient>(executor, EtcdClientSettings::from(config.etcd, request_timeout));
  }

  const bool standalone;
  const std::string leader_key;
  const std::chrono::seconds lease_ttl;
  const std::chrono::milliseconds request_timeout;
  ElectorEvents events;
  Election election;
  Backoff backoff;
  Backoff watch_backoff;
  asio::steady_timer wake;
  asio::steady_timer watch_pause;
  std::unique_ptr<EtcdClient> client;
  bool stopped = false;
  bool reported_unreachable = false;

  void dispatch() {
    for (const auto& change : election.take_changes()) {
      if (change.became_leader) {
        spdlog::info("coordination: {} is the leader, epoch {}", election.identity(), change.epoch);
        if (events.became_leader) events.became_leader(change.epoch);
      } else {
        spdlog::warn("coordination: {} stopped leading (epoch {}): {}", election.identity(), change.epoch,
                     loss_reason_name(change.reason));
        if (events.leadership_lost) events.leadership_lost(change.epoch, change.reason);
      }
    }
  }

  template <class T>
  void failed(Request request, const Outcome<T>& outcome) {
    const auto now = Clock::now();
    if (outcome.failure == Failure::not_found) return election.on_lease_not_found(now);
    if (!reported_unreachable) {
      spdlog::warn("coordination: etcd did not answer ({}); retrying with backoff", outcome.detail);
      reported_unreachable = true;
    }
    election.on_failed(request, now, backoff.next());
  }

  void answered() {
    if (reported_unreachable) spdlog::info("coordination: etcd answers again");
    reported_unreachable = false;
    backoff.reset();
  }

  // The campaign loop: one request at a time, as the election asks.
  asio::awaitable<void> elect() {
    while (!election.finished()) {
      const auto now = Clock::now();
      const auto request = election.next_request(now);
      dispatch();
      if (request == Request::none) {
        wake.expires_at(std::max(election.wake_at(), now));
        co_await wake.async_wait(no_throw);
        continue;
      }
      co_await perform(request, now);
      dispatch();
    }
  }

  // The watch on the leader key: a hint that makes followers campaign as soon as it is deleted,
  // instead of at their next poll. Polling stays the truth (watches are not linearizable).
  asio::awaitable<void> watch_leader_key() {
    const auto on_message = [this](const WatchMessage& message) {
      if (message.created) watch_backoff.reset();
      for (const auto& event : message.events) {
        if (!event.deleted) continue;
        election.on_leader_key_deleted(Clock::now());
        wake.cancel();
      }
    };
    while (!stopped) {
      const auto opened = Clock::now();
      const auto failure = co_await client->watch(leader_key, on_message, watch_idle);
      if (stopped) break;
      if (failure == Failure::none && Clock::now() - opened >= std::chrono::seconds(1)) continue;
      watch_pause.expires_after(watch_backoff.next());
      co_await watch_pause.async_wait(no_throw);
    }
  }

  asio::awaitable<void> perform(Request request, Clock::time_point sent_at) {
    auto deadline = sent_at + request_timeout;
    // A leader's call must not outlive its right to act: the deadline check runs when it returns.
    if (election.role() == Role::leader) deadline = std::min(deadline, election.act_deadline());
    switch (request) {
      case Request::grant:
        settle(request, co_await client->grant(lease_ttl.count(), deadline),
               [&](const LeaseGrant& grant) { election.on_granted(grant, sent_at); });
        break;
      case Request::keepalive:
        settle(request, co_await client->keepalive(election.lease_id(), deadline),
               [&](const KeepAlive& answer) { election.on_keepalive(answer, sent_at, Clock::now()); });
        break;
      case Request::campaign:
        settle(request,
               co_await client->txn(create_if_absent_body(leader_key, election.identity(), election.lease_id()), deadline),
               [&](const TxnResult& result) { election.on_campaign(result, Clock::now()); });
        break;
      case Request::verify:
        settle(request, co_await client->range(leader_key, deadline),
               [&](const RangeResult& result) { election.on_verify(result, Clock::now()); });
        break;
      case Request::revoke: {
        // Done when etcd has it revoked or never heard of it; retried later only when unreachable.
        auto outcome = co_await client->revoke(election.revoke_id(), deadline);
        if (outcome.failure != Failure::unreachable) outcome.value = true;
        settle(request, outcome, [&](bool) { election.on_revoked(); });
        break;
      }
      case Request::none: break;
    }
  }

  template <class T, class OnAnswer>
  void settle(Request request, const Outcome<T>& outcome, OnAnswer on_answer) {
    if (!outcome.value) return failed(request, outcome);
    answered();
    on_answer(*outcome.value);
  }
};

Elector::Elector(asio::any_io_executor executor, const CoordinationConfig& config, ElectorEvents events)
    : state_(std::make_shared<State>(std::move(executor), config, std::move(events))) {}

Elector::~Elector() = default;

asio::awaitable<void> Elector::run() {
  const auto state = state_;
  if (state->standalone) {
    if (state->events.became_leader) state->events.became_leader(0);
    while (!state->stopped) {
      state->wake.expires_at(Clock::time_point::max());
      co_await state->wake.async_wait(no_throw);
    }
    co_return;
  }
  using namespace asio::experimental::awaitable_operators;
  co_await (state->elect() && state->watch_leader_key());
}

void Elector::stop() {
  if (state_->stopped) return;
  state_->stopped = true;
  if (state_->standalone) {
    if (state_->events.leadership_lost) state_->events.leadership_lost(0, LossReason::shutdown);
  } else {
    state_->election.resign(Clock::now());
    state_->dispatch();
    state_->client->cancel_watch(state_->leader_key);
    state_->watch_pause.cancel();
  }
  state_->wake.cancel();
}

Role Elector::role() const { return state_->standalone ? Role::standalone : state_->election.role(); }

std::int64_t Elector::epoch() const { return state_->standalone ? 0 : state_->election.epoch(); }

std::string Elector::holder() const { return state_->standalone ? state_->election.identity() : state_->election.holder(); }

std::string Elector::identity() const { return state_->election.identity(); }

bool Elector::may_act() const {
  if (state_->standalone) return !state_->stopped;
  return state_->election.may_act(Clock::now());
}

void Elector::report_fenced(std::int64_t epoch) {
  if (state_->standalone) return;
  state_->election.on_fenced(epoch);
  state_->dispatch();
  state_->wake.cancel();
}

EtcdClient* Elector::client() const { return state_->client.get(); }

}  // namespace katabot::coordination
