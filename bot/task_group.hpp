#pragma once
// Structured concurrency for one owner (the app, an adapter, the scheduler, the HTTP server): every
// coroutine it starts is a child of its group, so stopping is "cancel the group, then join it" and
// nothing runs detached or is counted by hand. The owner must join before it is destroyed.
#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

namespace katabot {

class TaskGroup {
 public:
  using Deadline = std::chrono::steady_clock::time_point;

  explicit TaskGroup(boost::asio::any_io_executor executor);
  ~TaskGroup();  // cancels what still runs; the children's own state keeps their handlers safe
  TaskGroup(const TaskGroup&) = delete;
  TaskGroup& operator=(const TaskGroup&) = delete;

  // Starts `task` as a child whose cancellation slot is wired to cancel(). Once the group is
  // cancelled it takes no new work: the task is dropped unstarted and spawn returns false. An
  // exception escaping a child (other than the cancellation itself) is logged with `name` and
  // counted in failures().
  bool spawn(boost::asio::awaitable<void> task, std::string name);
  // Terminal cancellation for every running child: their pending operation completes at once
  // with operation_aborted. Idempotent.
  void cancel();
  // Completes once no child runs (true), or at `deadline` with children still running (false).
  boost::asio::awaitable<bool> join(Deadline deadline);

  bool cancelled() const;
  std::size_t running() const;
  std::size_t failures() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace katabot
