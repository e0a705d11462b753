#include "bot/app.hpp"

#include <filesystem>
#include <memory>
#include <vector>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/as_tuple.hpp>
#include <spdlog/spdlog.h>

#include "bot/adapters.hpp"
#include "bot/http/http_server.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/metric_catalog.hpp"
#include "bot/router.hpp"
#include "bot/scheduler/reminder_scheduler.hpp"
#include "knowledge/ics.hpp"

namespace katabot {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;

// Graceful stop must finish within the contract's 5 s; what is still running then is cut off.
constexpr auto shutdown_deadline = 4500ms;

class App {
 public:
  App(asio::io_context& io, const Config& config)
      : io_(io),
        config_(config),
        store_(config.bot.knowledge_dir, registry_.reserved_words(), config.bot.state_dir),
        signals_(io, SIGINT, SIGTERM, SIGHUP),
        shutdown_timer_(io) {}

  bool start();
  int exit_code() const { return exit_code_; }

 private:
  // Runs a long-lived task; when the last one ends after a shutdown, the process may exit at once.
  void spawn(asio::awaitable<void> task, std::string name);
  asio::awaitable<void> handle_signals();
  void shutdown();
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
  asio::steady_timer shutdown_timer_;
  bool stopping_ = false;
  int running_tasks_ = 0;
  int exit_code_ = 0;
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
    spawn(http_->run(), "http");
  }
  adapters_ = make_adapters(
      io_.get_executor(), config_, [this](const Inbound& inbound) { return handle(inbound); },
      [this](const Inbound& inbound) { return router_->needs_account(inbound); }, metrics_, clock_);
  describe_katabot_metrics(metrics_);
  register_metric_series();
  for (auto& adapter : adapters_) spawn(adapter->run(), std::string(adapter->name()));
  ReminderTargets targets;
  for (auto& adapter : adapters_) {
    targets[adapter->platform()] = {adapter.get(), reminder_channels_for(adapter->platform(), config_)};
  }
  scheduler_ = std::make_unique<ReminderScheduler>(io_.get_executor(), [this] { return store_.snapshot(); },
                                                   std::move(targets), config_.bot.state_dir, clock_, metrics_);
  spawn(scheduler_->run(), "reminders");
  spawn(handle_signals(), "signals");
  metrics_.set_gauge("katabot_start_time_seconds", {},
                     static_cast<double>(std::chrono::duration_cast<std::chrono::seconds>(clock_.now().time_since_epoch()).count()));
  spdlog::info("katabot {} started: {} topics, {} meetings", KATABOT_VERSION, store_.snapshot()->topics().size(),
               store_.snapshot()->meetings().size());
  return true;
}

void App::spawn(asio::awaitable<void> task, std::string name) {
  ++running_tasks_;
  asio::co_spawn(io_, std::move(task), [this, name = std::move(name)](std::exception_ptr failure) {
    if (failure) {
      try {
        std::rethrow_exception(failure);
      } catch (const std::exception& e) {
        spdlog::critical("{} stopped by an unexpected error: {}", name, e.what());
        exit_code_ = 1;
      }
    }
    if (--running_tasks_ == 0) shutdown_timer_.cancel();
  });
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
  while (!stopping_) {
    const auto [error, signal] = co_await signals_.async_wait(asio::as_tuple(asio::use_awaitable));
    if (error) co_return;
    if (signal == SIGHUP) {
      spdlog::info("SIGHUP: reloading the knowledge base");
      reload();
      continue;
    }
    spdlog::info("signal {}: shutting down", signal);
    shutdown();
  }
}

void App::shutdown() {
  stopping_ = true;
  scheduler_->stop();
  for (auto& adapter : adapters_) adapter->stop();
  if (http_) http_->stop();
  signals_.cancel();
  shutdown_timer_.expires_after(shutdown_deadline);
  shutdown_timer_.async_wait([this](const boost::system::error_code& error) {
    if (error) return;
    spdlog::warn("shutdown took too long; closing what is left");
    io_.stop();
  });
}

}  // namespace

int run_app(const Config& config) {
  asio::io_context io;
  App app(io, config);
  if (!app.start()) return 2;
  io.run();
  spdlog::info("stopped");
  return app.exit_code();
}

}  // namespace katabot
