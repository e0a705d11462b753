#pragma once
// Runs a SlackAdapter on its own io_context thread against a FakeSlack, with a stub router that
// records what it was asked and answers a few fixed words.
#include <atomic>
#include <condition_variable>
#include <optional>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <thread>

#include <vector>

#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bot/config.hpp"
#include "bot/metrics.hpp"
#include "bot/slack/slack_adapter.hpp"
#include "fake_slack.hpp"

namespace katabot::coordination {
class EtcdClient;
}

namespace katabot::test {

constexpr const char* test_app_token = "xapp-1-A1-1-fakeappsecret";
constexpr const char* test_bot_token = "xoxb-1-2-fakebotsecret";

SlackTimings fast_timings();

class AdapterHarness {
 public:
  explicit AdapterHarness(FakeSlack& fake, SlackTimings timings = fast_timings());
  // One replica of several: events are claimed in the etcd `replicas` points at.
  AdapterHarness(FakeSlack& fake, const CoordinationConfig& replicas, SlackTimings timings = fast_timings());
  ~AdapterHarness();

  // Runs `function` on the adapter's thread and returns its result.
  template <class F>
  auto on_io(F function) -> decltype(function()) {
    std::packaged_task<decltype(function())()> task(std::move(function));
    auto result = task.get_future();
    boost::asio::post(io_, [&task] { task(); });
    return result.get();
  }

  // SlackAdapter::post on the adapter's thread: delivered or not, and what became of it.
  std::future<bool> post(std::string channel, Reply reply);
  std::future<PostOutcome> post_outcome(std::string channel, Reply reply);
  // SlackAdapter::find_posted on the adapter's thread (what the scheduler asks before a reminder's first post).
  bool find_posted(std::string channel, std::string key, std::chrono::system_clock::time_point since);
  // Terminal cancellation of run() (what the app does when stop() was not enough); true if run()
  // returned before the deadline.
  bool cancel(Deadline deadline);
  bool finished() const { return finished_; }
  // Waits for run() to return.
  bool wait_finished(Deadline deadline);
  double metric(const std::string& name, const Labels& labels = {});
  // Waits until the metric reaches `value` (the fake can see a frame before the adapter counted it).
  bool wait_metric(const std::string& name, const Labels& labels, double value, Deadline deadline);
  bool ready();
  std::vector<Inbound> inbounds();
  bool wait_inbounds(std::size_t count, Deadline deadline);
  // Stops the adapter; true if run() returned before the deadline.
  bool stop(Deadline deadline);
  SlackAdapter& adapter() { return *adapter_; }
  boost::asio::any_io_executor adapter_executor() { return io_.get_executor(); }
  bool wait_ready(Deadline deadline);

 private:
  std::optional<Reply> answer(const Inbound& inbound);
  void start();  // run() on the adapter's own thread

  boost::asio::io_context io_;
  boost::asio::cancellation_signal cancel_run_;
  Metrics metrics_;
  SystemClock clock_;
  std::unique_ptr<coordination::EtcdClient> etcd_;  // outlives the adapter that claims through it
  std::unique_ptr<SlackAdapter> adapter_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<Inbound> inbounds_;
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

}  // namespace katabot::test
