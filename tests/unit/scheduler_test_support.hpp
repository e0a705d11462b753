#pragma once
// The reminder scheduler on its own event loop, driving fake chat adapters: what the scheduler
// tests share (scheduler_driver_test.cpp: one replica and its ledger; scheduler_claims_test.cpp:
// a leader among replicas, with a scripted claims store).
#include <algorithm>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bot/scheduler/reminder_scheduler.hpp"

namespace katabot::scheduler_test {

struct Post {
  std::string channel;
  Reply reply;
  Clock::time_point at;
};

class FakeAdapter final : public ChatAdapter {
 public:
  FakeAdapter(Platform platform, const Clock& clock) : platform_(platform), clock_(clock) {}
  Platform platform() const override { return platform_; }
  bool ready() const override { return accepting; }
  boost::asio::awaitable<void> run() override { co_return; }
  void stop() override {}
  boost::asio::awaitable<PostOutcome> post(std::string channel, Reply reply) override {
    ++attempts;
    if (!accepting) co_return refusal;
    posts.push_back({std::move(channel), std::move(reply), clock_.now()});
    if (hang_after_accepting) {
      // The platform has the message but the process "dies" before the post completes.
      boost::asio::steady_timer forever(co_await boost::asio::this_coro::executor, std::chrono::hours{1});
      co_await forever.async_wait(boost::asio::use_awaitable);
    }
    co_return PostOutcome::delivered();
  }

  // Like Slack's message metadata: finds a post by its key when finds_own_posts.
  boost::asio::awaitable<bool> find_posted(std::string channel, std::string post_key,
                                           std::chrono::system_clock::time_point since) override {
    lookups.push_back(post_key);
    co_return finds_own_posts && std::any_of(posts.begin(), posts.end(), [&](const Post& post) {
      return post.channel == channel && post.reply.post_key == post_key && post.at >= since;
    });
  }

  bool accepting = true;
  PostOutcome refusal = PostOutcome::failed("not accepting");
  bool hang_after_accepting = false;
  bool finds_own_posts = false;
  int attempts = 0;
  std::vector<Post> posts;
  std::vector<std::string> lookups;

 private:
  Platform platform_;
  const Clock& clock_;
};

// One bot process: its own event loop and scheduler over a shared state dir and fake platforms.
class Process {
 public:
  // Makes the claims store on the process's own event loop (a store with a network client).
  using ClaimsOnLoop = std::function<std::unique_ptr<ReminderClaims>(boost::asio::any_io_executor)>;

  Process(std::unique_ptr<ReminderClaims> claims, const Clock& clock, Metrics& metrics, FakeAdapter& irc,
          FakeAdapter& slack, std::shared_ptr<const KnowledgeBase>& knowledge, LeaderRules rules = {},
          ClaimsKnowledge* carried = nullptr)
      : Process([&claims](boost::asio::any_io_executor) { return std::move(claims); }, clock, metrics, irc, slack,
                knowledge, std::move(rules), carried) {}
  Process(const ClaimsOnLoop& make_claims, const Clock& clock, Metrics& metrics, FakeAdapter& irc, FakeAdapter& slack,
          std::shared_ptr<const KnowledgeBase>& knowledge, LeaderRules rules = {}, ClaimsKnowledge* carried = nullptr)
      : scheduler_(std::make_unique<ReminderScheduler>(
            io_.get_executor(), [&knowledge] { return knowledge; },
            ReminderTargets{{Platform::irc, {&irc, {"#kata-dev"}}}, {Platform::slack, {&slack, {"C0123ABCD"}}}},
            make_claims(io_.get_executor()), clock, metrics, std::move(rules), carried)) {
    boost::asio::co_spawn(
        io_,
        [this]() -> boost::asio::awaitable<void> {
          co_await scheduler_->run();
          finished_ = true;
        },
        boost::asio::bind_cancellation_slot(cancel_run_.slot(), boost::asio::detached));
    io_.poll();
  }
  ~Process() { scheduler_.reset(); }  // before io_, whose services its timer uses

  // Tell the scheduler the clock moved (as a timer expiry or a reload would) and run what is ready.
  void wake() {
    scheduler_->reschedule();
    io_.poll();
  }
  void stop() {
    scheduler_->stop();
    for (int i = 0; i < 100 && !finished_; ++i) io_.poll();
  }
  // What the app does when run() outlived its shutdown deadline.
  void cancel_run() {
    cancel_run_.emit(boost::asio::cancellation_type::terminal);
    for (int i = 0; i < 100 && !finished_; ++i) io_.run_one_for(std::chrono::milliseconds{10});
  }
  // Runs the loop until `done` or the timeout: for stores whose answers come over the network.
  template <class Done>
  bool run_until(Done done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done() && std::chrono::steady_clock::now() < deadline) io_.run_one_for(std::chrono::milliseconds{10});
    return done();
  }
  bool finished() const { return finished_; }
  boost::asio::io_context& io() { return io_; }
  ReminderScheduler& scheduler() { return *scheduler_; }

 private:
  boost::asio::io_context io_;
  boost::asio::cancellation_signal cancel_run_;
  std::unique_ptr<ReminderScheduler> scheduler_;
  bool finished_ = false;
};

}  // namespace katabot::scheduler_test
