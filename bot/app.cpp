#include "bot/app.hpp"

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
#include "bot/http/http_server.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/metric_catalog.hpp"
#include "bot/router.hpp"
#include "bot/scheduler/local_reminder_claims.hpp"
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
constexpr auto graceful_stop_time = 1200ms;
constexpr auto cancelled_stop_time = 500ms;

class App {
 public:
  App(asio::io_context& io, const Config& config)
      : io_(io),
        config_(config),
        store_(config.bot.knowledge_dir, registry_.reserved_words(), config.bot.state_dir),
        signals_(io, SIGINT, SIGTERM, SIGHUP),
        stop_requested_(io, std::chrono::steady_clock::time_point::max()),
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
  std::pair<bool, std::string> readiness() const;
  void reload();
  // Every series known now starts at 0; a reload may bring new topics, so it runs again then.
  void register_metric_series();

  asio::io_context& io_;
  const Config& config_;
  CommandRegistry registry_;
  KnowledgeStore store_;
  SystemClock clock_;
  Metrics metrics_;
  std::unique_ptr<Router> router_;
  std::vector<std::unique_ptr<ChatAdapter>> adapters_;
  std::unique_ptr<HttpServer> http_;
  std::unique_ptr<ReminderScheduler> scheduler_;
  asio::signal_set signals_;
  // Cancelled by the signal loop: supervise() then stops everything.
  asio::steady_timer stop_requested_;
  bool stopping_ = false;
  TaskGroup tasks_;
};

bool App::start() {
  spdlog::set_level(spdlog::level::from_str(config_.bot.log_level));
  if (config_.coordination.backend != CoordinationConfig::Backend::none) {
    // The election is built and tested, but IRC and the reminders do not yet run in a leader-only
    // scope: two replicas would both post. Refusing is safer than acting alone.
    spdlog::error("coordination.backend etcd is not supported by this version yet: run one replica with backend none");
    return false;
  }
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
    routes.metrics = [this] {
      for (const auto& adapter : adapters_) {
        metrics_.set_gauge("katabot_adapter_ready", {{"platform", std::string(adapter->name())}}, adapter->ready() ? 1 : 0);
      }
      const auto knowledge = store_.snapshot();
      metrics_.set_gauge("katabot_knowledge_topics", {}, static_cast<double>(knowledge->topics().size()));
      metrics_.set_gauge("katabot_knowledge_meetings", {}, static_cast<double>(knowledge->meetings().size()));
      return metrics_.render_prometheus();
    };
    routes.calendar = [this] {
      return render_ics(store_.snapshot()->meetings(), std::chrono::floor<std::chrono::seconds>(clock_.now()));
    };
    http_ = std::make_unique<HttpServer>(io_.get_executor(), config_.http.listen, std::move(routes));
    if (http_->open()) return false;
    tasks_.spawn(http_->run(), "http");
  }
  adapters_ = make_adapters(
      io_.get_executor(), config_, [this](const Inbound& inbound) { return handle(inbound); },
      [this](const Inbound& inbound) { return router_->needs_account(inbound); }, metrics_, clock_);
  describe_katabot_metrics(metrics_);
  register_metric_series();
  for (auto& adapter : adapters_) tasks_.spawn(adapter->run(), std::string(adapter->name()));
  ReminderTargets targets;
  for (auto& adapter : adapters_) {
    targets[adapter->platform()] = {adapter.get(), reminder_channels_for(adapter->platform(), config_)};
  }
  scheduler_ = std::make_unique<ReminderScheduler>(io_.get_executor(), [this] { return store_.snapshot(); },
                                                   std::move(targets),
                                                   std::make_unique<LocalReminderClaims>(config_.bot.state_dir), clock_, metrics_);
  tasks_.spawn(scheduler_->run(), "reminders");
  tasks_.spawn(handle_signals(), "signals");
  metrics_.set_gauge("katabot_start_time_seconds", {},
                     static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count()));
  spdlog::info("katabot {} started: {} topics, {} meetings", KATABOT_VERSION, store_.snapshot()->topics().size(),
               store_.snapshot()->meetings().size());
  return true;
}

void App::register_metric_series() {
  KnownSeries known;
  for (const auto& adapter : adapters_) known.platforms.emplace_back(adapter->name());
  for (const auto& command : registry_.commands()) known.commands.push_back(command.name);
  for (const auto& topic : store_.snapshot()->topics()) known.commands.push_back(topic.id);
  register_known_series(metrics_, known);
}

std::optional<Reply> App::handle(const Inbound& inbound) {
  auto reply = router_->route(inbound);
  if (reply && (reply->action == Action::reload_knowledge || reply->schedule_change)) {
    for (const auto& problem : carry_out(*reply, store_)) spdlog::error("reload: {}", problem.to_string());
    register_metric_series();
    scheduler_->reschedule();
  }
  if (reply && reply->broadcast) scheduler_->broadcast(*reply->broadcast);
  if (reply && reply->action == Action::describe_runtime) {
    std::string runtime = "Role: admin. Adapters:";
    for (const auto& adapter : adapters_) runtime += " " + std::string(adapter->name()) + (adapter->ready() ? " ready" : " not connected");
    if (adapters_.empty()) runtime += " none";
    runtime += "\n" + scheduler_->describe_upcoming(3);
    reply->text += "\n" + runtime;
    reply->mrkdwn += "\n" + escape_mrkdwn(runtime);
  }
  return reply;
}

void App::reload() {
  const auto problems = store_.reload();
  for (const auto& problem : problems) spdlog::error("reload: {}", problem.to_string());
  if (problems.empty()) {
    spdlog::info("reloaded: {} topics, {} meetings", store_.snapshot()->topics().size(), store_.snapshot()->meetings().size());
    register_metric_series();
    scheduler_->reschedule();
  } else {
    spdlog::warn("reload failed; the previous knowledge base stays in use");
  }
}

std::pair<bool, std::string> App::readiness() const {
  std::string not_ready;
  for (const auto& adapter : adapters_) {
    if (!adapter->ready()) not_ready += std::string(adapter->name()) + ": not connected\n";
  }
  if (stopping_) not_ready += "shutting down\n";
  return {not_ready.empty(), not_ready.empty() ? "ready\n" : not_ready};
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
  scheduler_->stop();
  for (auto& adapter : adapters_) adapter->stop();
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
