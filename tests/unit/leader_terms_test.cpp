// LeaderTerms: the leader-only work opens on became_leader with freshly built objects, is cancelled
// at once when the lease is lost, stops gracefully on shutdown, and its objects are destroyed only
// after their tasks ended, also when the app cancels the loop itself.
#include <catch2/catch.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>

#include "bot/leader_terms.hpp"
#include "bot/net/no_throw.hpp"

using namespace katabot;
using coordination::LossReason;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

// What happened to the fake adapters, in order, by term.
using Journal = std::vector<std::string>;

// Runs until stop() (graceful) or cancellation; journals both and its own destruction, and whether
// its run was still going then (which would be a use after free in a real adapter).
class FakeAdapter final : public ChatAdapter {
 public:
  FakeAdapter(asio::any_io_executor executor, std::int64_t epoch, Journal& journal)
      : wake_(executor, std::chrono::steady_clock::time_point::max()), tag_(std::to_string(epoch)), journal_(journal) {}
  ~FakeAdapter() override { journal_.push_back(tag_ + (running_ ? " destroyed while running" : " destroyed")); }

  Platform platform() const override { return Platform::irc; }
  bool ready() const override { return running_; }
  asio::awaitable<void> run() override {
    running_ = true;
    journal_.push_back(tag_ + " run");
    const auto [error] = co_await wake_.async_wait(no_throw);
    journal_.push_back(tag_ + (stopped_ ? " stopped gracefully" : " cancelled: " + error.message()));
    running_ = false;
  }
  void stop() override {
    if (ignores_stop) return;
    stopped_ = true;
    wake_.cancel();
  }
  // Like an IRC server that never closes after QUIT: the graceful stop does not end run().
  bool ignores_stop = false;
  asio::awaitable<PostOutcome> post(std::string, Reply) override { co_return PostOutcome::delivered(); }

 private:
  asio::steady_timer wake_;
  std::string tag_;
  Journal& journal_;
  bool running_ = false;
  bool stopped_ = false;
};

struct Rig {
  asio::io_context io;
  Journal journal;
  bool adapters_ignore_stop = false;
  LeaderTerms terms{io.get_executor(), [this](std::int64_t epoch) {
                      journal.push_back(std::to_string(epoch) + " built");
                      LeaderWork work;
                      auto adapter = std::make_unique<FakeAdapter>(io.get_executor(), epoch, journal);
                      adapter->ignores_stop = adapters_ignore_stop;
                      work.adapters.push_back(std::move(adapter));
                      return work;
                    }};
  asio::cancellation_signal cancel_loop;
  bool loop_returned = false;

  Rig() {
    asio::co_spawn(io, terms.run(),
                   asio::bind_cancellation_slot(cancel_loop.slot(), [this](std::exception_ptr) { loop_returned = true; }));
  }
  // Runs what is ready now (no timer fires: every wait here is event-driven).
  void settle() {
    io.restart();
    io.poll();
  }
};

}  // namespace

TEST_CASE("a lost lease cancels the term at once, and the next term builds new objects", "[leader-terms]") {
  Rig rig;
  rig.terms.became_leader(7);
  rig.settle();
  REQUIRE(rig.terms.current() != nullptr);
  CHECK(rig.journal == Journal{"7 built", "7 run"});

  rig.terms.leadership_lost(7, LossReason::lease_lost);
  CHECK(rig.terms.current() == nullptr);  // no scheduler or IRC to hand out from this moment
  rig.settle();
  CHECK(rig.journal == Journal{"7 built", "7 run", "7 cancelled: Operation canceled", "7 destroyed"});

  rig.terms.became_leader(9);
  rig.settle();
  CHECK(rig.terms.current() != nullptr);
  CHECK(rig.journal.back() == "9 run");
  CHECK_FALSE(rig.loop_returned);

  rig.terms.leadership_lost(9, LossReason::deposed);
  rig.terms.stop();
  rig.settle();
  CHECK(rig.loop_returned);
  CHECK(rig.journal == Journal{"7 built", "7 run", "7 cancelled: Operation canceled", "7 destroyed", "9 built", "9 run", "9 cancelled: Operation canceled",
                               "9 destroyed"});
}

TEST_CASE("a shutdown stops the term gracefully before the loop returns", "[leader-terms]") {
  Rig rig;
  rig.terms.became_leader(0);
  rig.settle();
  rig.terms.leadership_lost(0, LossReason::shutdown);
  rig.terms.stop();
  rig.settle();
  CHECK(rig.loop_returned);
  CHECK(rig.journal == Journal{"0 built", "0 run", "0 stopped gracefully", "0 destroyed"});
}

TEST_CASE("a lease lost during a graceful close cancels what the close still waits for", "[leader-terms]") {
  Rig rig;
  rig.adapters_ignore_stop = true;
  rig.terms.became_leader(4);
  rig.settle();
  rig.terms.leadership_lost(4, LossReason::shutdown);
  rig.terms.stop();
  rig.settle();
  CHECK(rig.journal == Journal{"4 built", "4 run"});  // the graceful close waits (up to graceful_close)

  rig.terms.leadership_lost(4, LossReason::lease_lost);
  rig.settle();  // no timer fires: only the cancellation can end the adapter's run now
  CHECK(rig.loop_returned);
  CHECK(rig.journal == Journal{"4 built", "4 run", "4 cancelled: Operation canceled", "4 destroyed"});
}

TEST_CASE("leadership lost before the term opened opens nothing", "[leader-terms]") {
  Rig rig;
  rig.terms.became_leader(3);
  rig.terms.leadership_lost(3, LossReason::renew_timeout);
  rig.settle();
  CHECK(rig.journal.empty());
  CHECK(rig.terms.current() == nullptr);
}

TEST_CASE("cancelling the loop still ends the term's tasks before destroying its objects", "[leader-terms]") {
  Rig rig;
  rig.terms.became_leader(5);
  rig.settle();
  rig.cancel_loop.emit(asio::cancellation_type::terminal);
  rig.io.restart();
  rig.io.run_for(5s);  // bound only: the loop returns as soon as the term is gone
  CHECK(rig.loop_returned);
  CHECK(rig.journal == Journal{"5 built", "5 run", "5 stopped gracefully", "5 destroyed"});
}

TEST_CASE("a new epoch while a term is still open deposes that term at once", "[leader-terms]") {
  Rig rig;
  rig.terms.became_leader(4);
  rig.settle();
  rig.terms.became_leader(6);  // the loss of 4 was never reported
  rig.settle();
  CHECK(rig.journal == Journal{"4 built", "4 run", "4 cancelled: Operation canceled", "4 destroyed", "6 built", "6 run"});
  rig.terms.stop();
  rig.settle();
  CHECK(rig.loop_returned);
}
