#include "adapter_harness.hpp"

#include <stdexcept>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/co_spawn.hpp>

#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/event_claims_etcd.hpp"

namespace katabot::test {

using namespace std::chrono_literals;

SlackTimings fast_timings() {
  SlackTimings timings;
  timings.ping_interval = 100ms;
  // Long enough that a thread starved on a loaded machine does not look like a dead socket (a
  // reconnect would break checks that count connections); the silent-socket test sets its own.
  timings.silence_timeout = 5000ms;
  timings.connect_timeout = 2000ms;
  timings.close_timeout = 500ms;
  timings.first_retry = 200ms;
  timings.max_retry = 1000ms;
  timings.user_lookup_timeout = 1000ms;
  timings.post_spacing = 300ms;
  timings.request_timeout = 1000ms;
  return timings;
}

namespace {

SlackConfig fake_slack_config(const FakeSlack& fake) {
  SlackConfig config;
  config.enabled = true;
  config.app_token = test_app_token;
  config.bot_token = test_bot_token;
  config.api_base = fake.api_base();
  return config;
}

}  // namespace

AdapterHarness::AdapterHarness(FakeSlack& fake, SlackTimings timings) {
  adapter_ = std::make_unique<SlackAdapter>(io_.get_executor(), fake_slack_config(fake),
                                            [this](const Inbound& inbound) { return answer(inbound); }, metrics_,
                                            clock_, timings);
  start();
}

AdapterHarness::AdapterHarness(FakeSlack& fake, const CoordinationConfig& replicas, SlackTimings timings)
    : etcd_(std::make_unique<coordination::EtcdClient>(
          io_.get_executor(), coordination::EtcdClientSettings::from(replicas.etcd, replicas.request_timeout))) {
  adapter_ = std::make_unique<SlackAdapter>(io_.get_executor(), fake_slack_config(fake),
                                            [this](const Inbound& inbound) { return answer(inbound); }, metrics_,
                                            clock_, timings,
                                            std::make_shared<coordination::EtcdEventClaims>(*etcd_, replicas));
  start();
}

void AdapterHarness::start() {
  boost::asio::co_spawn(io_, adapter_->run(),
                        boost::asio::bind_cancellation_slot(cancel_run_.slot(),
                                                            [this](std::exception_ptr) { finished_ = true; }));
  thread_ = std::thread([this] { io_.run(); });
}

AdapterHarness::~AdapterHarness() {
  stop(deadline_in(5s));
  io_.stop();
  thread_.join();
}

std::optional<Reply> AdapterHarness::answer(const Inbound& inbound) {
  {
    std::lock_guard lock(mutex_);
    inbounds_.push_back(inbound);
  }
  changed_.notify_all();
  Reply reply;
  if (inbound.text == "meetings" || inbound.text.find("next meeting") != std::string::npos) {
    reply.text = "Architecture Committee: Thursday 14:00 (" + inbound.user_timezone + ")";
    reply.mrkdwn = "*Architecture Committee* — Thursday 14:00 (" + escape_mrkdwn(inbound.user_timezone) + ")";
    reply.links = {{"Agenda", "https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs"}};
    return reply;
  }
  if (inbound.text == "conduct") {
    reply.text = "Be kind.";
    reply.mrkdwn = "*Be kind.*";
    reply.links = {{"Code of Conduct", "https://openinfra.dev/legal/code-of-conduct"}};
    reply.visibility = Visibility::in_channel;
    return reply;
  }
  if (inbound.text.starts_with("echo ")) {
    reply.text = inbound.text.substr(5);
    reply.mrkdwn = escape_mrkdwn(reply.text);
    return reply;
  }
  if (inbound.text == "boom") throw std::runtime_error("the router broke");
  if (inbound.kind == InboundKind::channel_line) return std::nullopt;
  reply.text = "I don't know that one. Try /kata help.";
  return reply;
}

std::future<bool> AdapterHarness::post(std::string channel, Reply reply) {
  return std::async(std::launch::deferred, [outcome = post_outcome(std::move(channel), std::move(reply)).share()] {
    return outcome.get().is_delivered();
  });
}

std::future<PostOutcome> AdapterHarness::post_outcome(std::string channel, Reply reply) {
  auto promise = std::make_shared<std::promise<PostOutcome>>();
  auto result = promise->get_future();
  boost::asio::post(io_, [this, promise, channel = std::move(channel), reply = std::move(reply)]() mutable {
    boost::asio::co_spawn(io_, adapter_->post(std::move(channel), std::move(reply)),
                          [promise](std::exception_ptr failure, PostOutcome outcome) {
                            promise->set_value(failure ? PostOutcome::failed("threw") : outcome);
                          });
  });
  return result;
}

bool AdapterHarness::find_posted(std::string channel, std::string key, std::chrono::system_clock::time_point since) {
  std::promise<bool> found;
  boost::asio::post(io_, [&] {
    boost::asio::co_spawn(io_, adapter_->find_posted(std::move(channel), std::move(key), since),
                          [&found](std::exception_ptr failure, bool value) { found.set_value(!failure && value); });
  });
  return found.get_future().get();
}

bool AdapterHarness::cancel(Deadline deadline) {
  boost::asio::post(io_, [this] { cancel_run_.emit(boost::asio::cancellation_type::terminal); });
  return wait_finished(deadline);
}

bool AdapterHarness::wait_finished(Deadline deadline) {
  while (!finished_ && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(1ms);
  return finished_;
}

double AdapterHarness::metric(const std::string& name, const Labels& labels) {
  return on_io([&] { return metrics_.value(name, labels); });
}

bool AdapterHarness::wait_metric(const std::string& name, const Labels& labels, double value, Deadline deadline) {
  while (metric(name, labels) < value) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return metric(name, labels) == value;
}

bool AdapterHarness::ready() {
  return on_io([&] { return adapter_->ready(); });
}

bool AdapterHarness::wait_ready(Deadline deadline) {
  while (std::chrono::steady_clock::now() < deadline) {
    if (ready()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return false;
}

std::vector<Inbound> AdapterHarness::inbounds() {
  std::lock_guard lock(mutex_);
  return inbounds_;
}

bool AdapterHarness::wait_inbounds(std::size_t count, Deadline deadline) {
  std::unique_lock lock(mutex_);
  return changed_.wait_until(lock, deadline, [&] { return inbounds_.size() >= count; });
}

bool AdapterHarness::stop(Deadline deadline) {
  if (finished_) return true;
  boost::asio::post(io_, [this] { adapter_->stop(); });
  return wait_finished(deadline);
}

}  // namespace katabot::test
