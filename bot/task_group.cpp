#include "bot/task_group.hpp"

#include <exception>
#include <map>
#include <system_error>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/system/system_error.hpp>
#include <spdlog/spdlog.h>

namespace katabot {

namespace asio = boost::asio;

struct TaskGroup::State {
  explicit State(asio::any_io_executor executor) : executor(std::move(executor)) {}

  asio::any_io_executor executor;
  // Each child owns its signal; a map keeps the address stable while the child runs.
  std::map<std::uint64_t, std::unique_ptr<asio::cancellation_signal>> children;
  std::vector<asio::steady_timer*> joiners;
  std::uint64_t next_id = 0;
  std::size_t failures = 0;
  bool cancelled = false;

  void finished(std::uint64_t id, const std::string& name, std::exception_ptr failure) {
    children.erase(id);
    if (failure) record_failure(name, failure);
    if (children.empty()) {
      for (auto* joiner : joiners) joiner->cancel();
    }
  }

  void record_failure(const std::string& name, std::exception_ptr failure) {
    try {
      std::rethrow_exception(failure);
    } catch (const boost::system::system_error& error) {
      // A coroutine cancelled while awaiting another one ends with this; it is how a cancelled
      // child says it stopped, not a failure.
      if (cancelled && error.code() == asio::error::operation_aborted) return;
      spdlog::critical("{} stopped by an unexpected error: {}", name, error.what());
    } catch (const std::exception& error) {
      spdlog::critical("{} stopped by an unexpected error: {}", name, error.what());
    } catch (...) {
      spdlog::critical("{} stopped by an unexpected error", name);
    }
    ++failures;
  }
};

TaskGroup::TaskGroup(asio::any_io_executor executor) : state_(std::make_shared<State>(std::move(executor))) {}

TaskGroup::~TaskGroup() { cancel(); }

bool TaskGroup::spawn(asio::awaitable<void> task, std::string name) {
  if (state_->cancelled) {
    spdlog::debug("{} not started: shutting down", name);
    return false;
  }
  const auto id = state_->next_id++;
  auto& signal = *state_->children.emplace(id, std::make_unique<asio::cancellation_signal>()).first->second;
  asio::co_spawn(state_->executor, std::move(task),
                 asio::bind_cancellation_slot(signal.slot(), [state = state_, id, name = std::move(name)](std::exception_ptr failure) {
                   state->finished(id, name, failure);
                 }));
  return true;
}

void TaskGroup::cancel() {
  if (state_->cancelled) return;
  state_->cancelled = true;
  // Emitting may complete a child inline, which erases it from the map: walk a copy of the ids.
  std::vector<std::uint64_t> ids;
  for (const auto& [id, signal] : state_->children) ids.push_back(id);
  for (const auto id : ids) {
    if (const auto child = state_->children.find(id); child != state_->children.end()) {
      child->second->emit(asio::cancellation_type::terminal);
    }
  }
}

asio::awaitable<bool> TaskGroup::join(Deadline deadline) {
  const auto state = state_;  // the group may be destroyed by whoever resumes after us
  while (!state->children.empty()) {
    asio::steady_timer waiter(state->executor, deadline);
    state->joiners.push_back(&waiter);
    const auto [error] = co_await waiter.async_wait(asio::as_tuple(asio::use_awaitable));
    std::erase(state->joiners, &waiter);
    if (!error) co_return state->children.empty();  // the deadline passed
    const auto own = co_await asio::this_coro::cancellation_state;
    if (own.cancelled() != asio::cancellation_type::none) co_return state->children.empty();
  }
  co_return true;
}

bool TaskGroup::cancelled() const { return state_->cancelled; }
std::size_t TaskGroup::running() const { return state_->children.size(); }
std::size_t TaskGroup::failures() const { return state_->failures; }

}  // namespace katabot
