#include "bot/app.hpp"

#include <algorithm>
#include <filesystem>
#include <memory>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/adapters.hpp"
#include "bot/coordination/broadcast_outbox.hpp"
#include "bot/coordination/elector.hpp"
#include "bot/coordination/reminder_coordination.hpp"
#include "bot/coordination/shared_overrides_sync.hpp"
#include "bot/http/http_server.hpp"
#include "bot/irc/irc_adapter.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/leader_terms.hpp"
#include "bot/metric_catalog.hpp"
#include "bot/pending_changes.hpp"
#include "bot/replica_role.hpp"
#include "bot/router.hpp"
#include "bot/scheduler/reminder_scheduler.hpp"
#include "bot/task_group.hpp"
#include "knowledge/ics.hpp"

namespace katabot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// SIGTERM must end the process within 2 s in every state. Graceful first: replies in flight finish,
// IRC says QUIT, Slack closes its WebSocket. What still runs then is cancelled, which each task
// honours within ~100 ms; the second join only bounds a task that fails to.
// The budgets nest: the IRC QUIT wait (IrcTuning::quit_grace) ends within the term's graceful close,
// which ends early enough in the graceful stop to leave the elector time to revoke the lease (one
// etcd call): a follower then takes over at once instead of after the lease TTL, even when the IRC
// server never answers QUIT.
// The graceful stop ends well before 2 s: after the last task the process still has to exit
// (destructors, the Slack adapter's cancel grace and, in sanitizer builds, the leak scan), which
// took several hundred ms on a loaded CI machine. The revoke is one etcd round trip: 0.5 s is ample.
constexpr auto graceful_stop_time = 1100ms;
constexpr auto cancelled_stop_time = 450ms;
constexpr auto lease_revoke_room = 500ms;
static_assert(IrcTuning{}.quit_grace < LeaderTerms::graceful_close);
static_assert(LeaderTerms::graceful_close + lease_revoke_room <= graceful_stop_time);
static_assert(graceful_stop_time + cancelled_stop_time < 2s);

// A platform this replica does not run now (IRC on a follower) is not ready.
bool platform_ready(const std::vector<ChatAdapter*>& adapters, Platform platform) {
  return std::ranges::any_of(adapters, [&](const ChatAdapter* adapter) { return adapter->platform() == platform && adapter->ready(); });
}

class App {
 public:
  App(asio::io_context& io, const Config& config)
      : io_(io),
        config_(config),
        store_(config.bot.knowledge_dir, registry_.reserved_words(), config.bot.state_dir),
        signals_(io, SIGINT, SIGTERM, SIGHUP),
        stop_requested_(io, std::chrono::steady_clock::time_point::max()),
        terms_(io.get_executor(), [this](std::int64_t epoch) { return begin_term(epoch); }),
        elector_(io.get_executor(), config.coordination,
                 coordination::ElectorEvents{
                     [this](std::int64_t epoch) { became_leader(epoch); },
                     [this](std::int64_t epoch, coordination::LossReason reason) { leadership_lost(epoch, reason); }}),
        tasks_(io.get_executor()) {}

  bool start();
  // Waits for SIGTERM/SIGINT, then stops every task (see graceful_stop_time). Runs outside the
  // task group, since it joins it.
  asio::awaitable<void> supervise();
  // 1 when a task ended by an unexpected error, else 0.
  int exit_code() const { return tasks_.failures() == 0 ? 0 : 1; }

 private:
  // Returns after SIGTERM or SIGINT; SIGHUP reloads. Later signals stay caught by the set (they
  // neither kill the process nor restart the shutdown).
  asio::awaitable<void> handle_signals();
  void stop_taking_work();
  std::optional<Reply> handle(const Inbound& inbound);
  // A follower's broadcast, for the leader to post; the admin is told in `where` if etcd did not take it.
  asio::awaitable<void> leave_in_outbox(Broadcast broadcast, Conversation where, std::string asked_by);
  // A follow-up post in the conversation a command came from (this replica's adapters: Slack).
  asio::awaitable<void> tell(Conversation where, std::string text);
  void schedule_change_not_saved(const ScheduleChange& change, const std::string& problem);
  std::pair<bool, std::string> readiness() const;
  std::string render_metrics();
  void reload();
  // Every series known now starts at 0; a reload may bring new topics, so it runs again then.
  void register_metric_series();

  // Leader-only work (IRC, the reminders) runs in one term per epoch: see leader_terms.hpp.
  void became_leader(std::int64_t epoch);
  void leadership_lost(std::int64_t epoch, coordination::LossReason reason);
  LeaderWork begin_term(std::int64_t epoch);
  // The terms until stopped; then the elector steps down (see stop_taking_work).
  asio::awaitable<void> run_leader_terms();
  std::unique_ptr<ReminderScheduler> make_scheduler(std::int64_t epoch,
                                                    const std::vector<std::unique_ptr<ChatAdapter>>& leader_adapters);
  // The one list of the adapters that exist now: Slack always, IRC while a term is open.
  std::vector<ChatAdapter*> adapters_now() const;
  // The open term's scheduler; null on a follower and between terms.
  ReminderScheduler* scheduler() const;
  ReplicaView replica_view() const;

  asio::io_context& io_;
  const Config& config_;
  CommandRegistry registry_;
  KnowledgeStore store_;
  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<Router> router_;
  std::vector<std::unique_ptr<ChatAdapter>> replica_adapters_;  // on every replica: Slack
  std::unique_ptr<HttpServer> http_;
  asio::signal_set signals_;
  // Cancelled by the signal loop: supervise() then stops everything.
  asio::steady_timer stop_requested_;
  bool stopping_ = false;
  // What the terms know about their claims that etcd may not (outcomes not recorded, claims whose
  // answer was lost): the next term on this replica settles them by it.
  ClaimsKnowledge claims_knowledge_;
  // After the replica adapters and the claims knowledge: a term's scheduler uses them.
  LeaderTerms terms_;
  coordination::Elector elector_;
  // With backend etcd: the admins' skips and moves, shared by every replica (uses the elector's client).
  std::unique_ptr<coordination::SharedOverridesSync> shared_overrides_;
  PendingChanges pending_changes_;
  // With backend etcd: where a replica that does not lead leaves the admins' broadcasts.
  std::unique_ptr<coordination::BroadcastOutboxWriter> outbox_writer_;
  TaskGroup tasks_;
};

bool App::start() {
  spdlog::set_level(spdlog::level::from_str(config_.bot.log_level));
  for (const auto& problem : store_.reload()) spdlog::error("{}", problem.to_string());
  if (!store_.snapshot()) return false;
  store_.prune_past_overrides(std::chrono::floor<std::chrono::seconds>(clock_.now()));
  std::error_code error;
  std::filesystem::create_directories(config_.bot.state_dir, error);
  if (error) {
    spdlog::error("cannot create state_dir {}: {}", config_.bot.state_dir.string(), error.message());
    return false;
  }
  router_ = std::make_unique<Router>(router_settings(config_), registry_, [this] { return store_.snapshot(); }, clock_,
                                     metrics_);
  if (!config_.http.listen.empty()) {
    HttpRoutes routes;
    routes.readiness = [this] { return readiness(); };
    routes.metrics = [this] { return render_metrics(); };
    routes.calendar = [this] {
      return render_ics(store_.snapshot()->meetings(), std::chrono::floor<std::chrono::seconds>(clock_.now()));
    };
    http_ = std::make_unique<HttpServer>(io_.get_executor(), config_.http.listen, std::move(routes));
    if (http_->open()) return false;
    tasks_.spawn(http_->run(), "http");
  }
  replica_adapters_ = make_replica_adapters(
      io_.get_executor(), config_, [this](const Inbound& inbound) { return handle(inbound); }, metrics_, clock_,
      elector_.client());
  if (auto* etcd = elector_.client()) {
    shared_overrides_ = coordination::share_overrides(
        io_.get_executor(), *etcd, store_, config_.coordination, std::chrono::floor<std::chrono::seconds>(clock_.now()),
        {[this] {
           if (auto* reminders = scheduler()) reminders->reschedule();
         },
         [this](const ScheduleChange& change, const std::string& problem) { schedule_change_not_saved(change, problem); }});
    tasks_.spawn(shared_overrides_->run(), "overrides");
    outbox_writer_ = std::make_unique<coordination::BroadcastOutboxWriter>(
        *etcd, config_.coordination.key_prefix, config_.coordination.identity, config_.coordination.request_timeout);
  }
  describe_katabot_metrics(metrics_);
  register_metric_series();
  register_leader_series(metrics_);
  for (auto& adapter : replica_adapters_) tasks_.spawn(adapter->run(), std::string(adapter->name()));
  tasks_.spawn(run_leader_terms(), "leader terms");
  tasks_.spawn(elector_.run(), "election");
  tasks_.spawn(handle_signals(), "signals");
  metrics_.set_gauge("katabot_start_time_seconds", {},
                     static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count()));
  spdlog::info("katabot {} started as replica {} (coordination: {}): {} topics, {} meetings", KATABOT_VERSION,
               elector_.identity(), describe_role(replica_view()), store_.snapshot()->topics().size(),
               store_.snapshot()->meetings().size());
  return true;
}

void App::became_leader(std::int64_t epoch) {
  metrics_.increment("katabot_leader_transitions_total", {{"reason", "became_leader"}});
  terms_.became_leader(epoch);
}

void App::leadership_lost(std::int64_t epoch, coordination::LossReason reason) {
  metrics_.increment("katabot_leader_transitions_total", {{"reason", std::string(coordination::loss_reason_name(reason))}});
  terms_.leadership_lost(epoch, reason);
}

asio::awaitable<void> App::run_leader_terms() {
  co_await terms_.run();
  elector_.stop();
}

LeaderWork App::begin_term(std::int64_t epoch) {
  // Replicas speak only while their lease is safely ahead, and never for an older term. Alone
  // (backend none) nobody else can speak, so replies in flight still finish during a SIGTERM.
  std::function<bool()> may_speak;
  if (config_.coordination.backend != CoordinationConfig::Backend::none) {
    may_speak = [this, epoch] { return elector_.may_act() && elector_.epoch() == epoch; };
  }
  LeaderWork work;
  work.adapters = make_leader_adapters(
      io_.get_executor(), config_, [this](const Inbound& inbound) { return handle(inbound); },
      [this](const Inbound& inbound) { return router_->needs_account(inbound); }, metrics_, std::move(may_speak));
  work.scheduler = make_scheduler(epoch, work.adapters);
  if (auto* etcd = elector_.client()) {
    const auto& coordination = config_.coordination;
    work.outbox = std::make_unique<coordination::BroadcastOutboxConsumer>(
        io_.get_executor(), *etcd,
        coordination::OutboxConsumerSettings{coordination.key_prefix, {coordination.key_prefix + "leader", epoch},
                                             coordination.request_timeout},
        [this] { return std::chrono::floor<std::chrono::seconds>(clock_.now()); },
        [scheduler = work.scheduler.get()](const Broadcast& broadcast) { scheduler->broadcast(broadcast); });
  }
  return work;
}

std::unique_ptr<ReminderScheduler> App::make_scheduler(std::int64_t epoch,
                                                       const std::vector<std::unique_ptr<ChatAdapter>>& leader_adapters) {
  ReminderTargets targets;
  for (const auto& adapters : {std::cref(replica_adapters_), std::cref(leader_adapters)}) {
    for (const auto& adapter : adapters.get()) {
      targets[adapter->platform()] = {adapter.get(), reminder_channels_for(adapter->platform(), config_)};
    }
  }
  auto [claims, rules] = coordination::reminder_coordination(config_, elector_, epoch, clock_);
  return std::make_unique<ReminderScheduler>(io_.get_executor(),
                                             coordination::planning_snapshots(shared_overrides_.get(), store_), std::move(targets),
                                             std::move(claims), clock_, metrics_, std::move(rules), &claims_knowledge_);
}

std::vector<ChatAdapter*> App::adapters_now() const {
  std::vector<ChatAdapter*> adapters;
  for (const auto& adapter : replica_adapters_) adapters.push_back(adapter.get());
  if (const auto* work = terms_.current()) {
    for (const auto& adapter : work->adapters) adapters.push_back(adapter.get());
  }
  return adapters;
}

ReminderScheduler* App::scheduler() const {
  const auto* work = terms_.current();
  return work ? work->scheduler.get() : nullptr;
}

ReplicaView App::replica_view() const {
  return {elector_.role(), elector_.identity(), elector_.holder(), elector_.epoch()};
}

std::string App::render_metrics() {
  const auto adapters = adapters_now();
  for (const auto platform : enabled_platforms(config_)) {
    metrics_.set_gauge("katabot_adapter_ready", {{"platform", std::string(platform_name(platform))}},
                       platform_ready(adapters, platform) ? 1 : 0);
  }
  const auto view = replica_view();
  metrics_.set_gauge("katabot_is_leader", {}, leads(view) ? 1 : 0);
  metrics_.set_gauge("katabot_leader_epoch", {}, view.role == coordination::Role::leader ? static_cast<double>(view.epoch) : 0);
  const auto knowledge = store_.snapshot();
  metrics_.set_gauge("katabot_knowledge_topics", {}, static_cast<double>(knowledge->topics().size()));
  metrics_.set_gauge("katabot_knowledge_meetings", {}, static_cast<double>(knowledge->meetings().size()));
  return metrics_.render_prometheus();
}

void App::register_metric_series() {
  KnownSeries known;
  for (const auto platform : enabled_platforms(config_)) known.platforms.emplace_back(platform_name(platform));
  for (const auto& command : registry_.commands()) known.commands.push_back(command.name);
  for (const auto& topic : store_.snapshot()->topics()) known.commands.push_back(topic.id);
  register_known_series(metrics_, known);
}

std::optional<Reply> App::handle(const Inbound& inbound) {
  auto reply = router_->route(inbound);
  if (!reply) return reply;
  auto* const reminders = scheduler();
  const Conversation origin{inbound.platform, inbound.channel};
  if (reply->schedule_change && shared_overrides_) {
    pending_changes_.remember(*reply->schedule_change, origin, std::chrono::steady_clock::now());
  }
  if (reply->action == Action::reload_knowledge || reply->schedule_change) {
    for (const auto& problem : carry_out(*reply, store_)) spdlog::error("reload: {}", problem.to_string());
    register_metric_series();
    if (reminders) reminders->reschedule();
  }
  // The open term posts at once; without one (a follower, or a leader whose term is still opening)
  // the leader's term takes it from the outbox.
  if (reply->broadcast && reminders) {
    reminders->broadcast(*reply->broadcast);
  } else if (reply->broadcast && outbox_writer_) {
    tasks_.spawn(leave_in_outbox(*reply->broadcast, origin, inbound.user_name.empty() ? inbound.user_id : inbound.user_name),
                 "broadcast outbox");
  }
  std::string runtime;
  if ((reply->broadcast || reply->schedule_change) && !leads(replica_view())) {
    runtime = leader_only_note(replica_view(), reply->broadcast && !reply->schedule_change);
  }
  if (reply->action == Action::describe_runtime) {
    const auto adapters = adapters_now();
    runtime = "Role: admin. Replica " + elector_.identity() + ": " + describe_role(replica_view()) + ". Adapters:";
    for (const auto* adapter : adapters) runtime += " " + std::string(adapter->name()) + (adapter->ready() ? " ready" : " not connected");
    if (adapters.empty()) runtime += " none";
    runtime += "\n" + (reminders ? reminders->describe_upcoming(3)
                                  : "Reminders: posted by the leader" +
                                        (elector_.holder().empty() ? std::string(" (none elected now)") : ", " + elector_.holder()) + ".");
  }
  if (!runtime.empty()) {
    reply->text += "\n" + runtime;
    reply->mrkdwn += "\n" + escape_mrkdwn(runtime);
  }
  return reply;
}

asio::awaitable<void> App::leave_in_outbox(Broadcast broadcast, Conversation where, std::string asked_by) {
  const auto meeting = broadcast.meeting_id;
  const auto problem = co_await outbox_writer_->leave(std::move(broadcast), std::move(asked_by));
  if (problem) {
    co_await tell(std::move(where), "Nothing was posted to the channels of " + meeting + ": " + *problem +
                                        " when this replica handed the post to the leader. Try again.");
  }
}

void App::schedule_change_not_saved(const ScheduleChange& change, const std::string& problem) {
  spdlog::error("{}", problem);
  if (auto where = pending_changes_.take(change, std::chrono::steady_clock::now())) {
    tasks_.spawn(tell(std::move(*where), problem), "follow-up");
  }
}

asio::awaitable<void> App::tell(Conversation where, std::string text) {
  const auto adapter = std::ranges::find_if(replica_adapters_, [&](const auto& each) { return each->platform() == where.platform; });
  if (adapter == replica_adapters_.end()) {
    spdlog::warn("could not tell {} {} (no {} adapter on this replica): {}", platform_name(where.platform), where.channel,
                 platform_name(where.platform), text);
    co_return;
  }
  Reply reply;
  reply.text = text;
  reply.mrkdwn = escape_mrkdwn(text);
  const auto outcome = co_await (*adapter)->post(where.channel, std::move(reply));
  if (!outcome.is_delivered()) spdlog::warn("could not tell {} {}: {} ({})", platform_name(where.platform), where.channel, text, outcome.reason);
}

void App::reload() {
  const auto problems = store_.reload();
  for (const auto& problem : problems) spdlog::error("reload: {}", problem.to_string());
  if (problems.empty()) {
    spdlog::info("reloaded: {} topics, {} meetings", store_.snapshot()->topics().size(), store_.snapshot()->meetings().size());
    register_metric_series();
    if (auto* reminders = scheduler()) reminders->reschedule();
  } else {
    spdlog::warn("reload failed; the previous knowledge base stays in use");
  }
}

std::pair<bool, std::string> App::readiness() const {
  // A follower is ready with Slack alone (ha.md §7); a leader needs its IRC too, from the moment it
  // leads, even before its term has built the adapter.
  const auto view = replica_view();
  const auto adapters = adapters_now();
  std::string not_ready;
  for (const auto platform : enabled_platforms(config_)) {
    if (leader_only(platform) && !leads(view)) continue;
    if (!platform_ready(adapters, platform)) not_ready += std::string(platform_name(platform)) + ": not connected\n";
  }
  if (stopping_) not_ready += "shutting down\n";
  const auto role = "role: " + describe_role(view) + "\n";
  return {not_ready.empty(), (not_ready.empty() ? "ready\n" : not_ready) + role};
}

asio::awaitable<void> App::handle_signals() {
  for (;;) {
    const auto [error, signal] = co_await signals_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (error) co_return;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reloading the knowledge base");
      reload();
      continue;
    }
    spdlog::info("signal {}: shutting down", signal);
    stop_requested_.cancel();
    co_return;
  }
}

void App::stop_taking_work() {
  stopping_ = true;
  if (http_) http_->stop();
  // The open term stops gracefully first (IRC says QUIT while this replica still holds the lease),
  // then run_leader_terms() stops the elector: it steps down and revokes the lease, so a follower
  // takes over at once instead of after the TTL, and finds the nick free.
  terms_.stop();
  for (auto& adapter : replica_adapters_) adapter->stop();
  if (shared_overrides_) shared_overrides_->stop();
}

asio::awaitable<void> App::supervise() {
  // Ends with operation_aborted when the signal loop cancels it: that is the request. The result is
  // bound on purpose: with it discarded, g++ 12 resumed this coroutine with a garbage `this`.
  const auto [requested] = co_await stop_requested_.async_wait(asio::as_tuple(asio::use_awaitable));
  spdlog::debug("stopping: {}", requested.message());
  stop_taking_work();
  if (!co_await tasks_.join(std::chrono::steady_clock::now() + graceful_stop_time)) {
    spdlog::warn("{} task(s) still running {} ms after the stop: cancelling them", tasks_.running(),
                 graceful_stop_time.count());
    tasks_.cancel();
    if (!co_await tasks_.join(std::chrono::steady_clock::now() + cancelled_stop_time)) {
      spdlog::error("{} task(s) ignored their cancellation; exiting without them", tasks_.running());
    }
  }
  // Nothing to flush: the reminder ledger fsyncs every record as it is appended.
}

}  // namespace

int run_app(const Config& config) {
  asio::io_context io;
  App app(io, config);
  if (!app.start()) return 2;
  int exit_code = 0;
  asio::co_spawn(io, app.supervise(), [&](std::exception_ptr failure) {
    exit_code = failure ? 1 : app.exit_code();
    // Tasks that ignored their cancellation must not keep the process alive past the contract.
    io.stop();
  });
  io.run();
  spdlog::info("stopped");
  return exit_code;
}

}  // namespace katabot
