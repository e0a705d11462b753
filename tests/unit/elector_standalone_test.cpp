// backend none: the replica leads alone at once (epoch 0), may always act, and reports the
// leadership lost (shutdown) when stopped, so the app tears its leader scope down the same way
// in both modes.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "bot/config.hpp"
#include "bot/coordination/elector.hpp"

using namespace katabot;
using namespace katabot::coordination;
using namespace std::chrono_literals;

TEST_CASE("with backend none the replica leads alone until stopped", "[coordination]") {
  boost::asio::io_context io;
  CoordinationConfig config;
  config.identity = "solo";
  std::vector<std::string> events;
  Elector elector(io.get_executor(), config,
                  ElectorEvents{[&](std::int64_t epoch) { events.push_back("became " + std::to_string(epoch)); },
                                [&](std::int64_t epoch, LossReason reason) {
                                  events.push_back("lost " + std::to_string(epoch) + " " +
                                                   std::string(loss_reason_name(reason)));
                                }});
  bool returned = false;
  boost::asio::co_spawn(io, elector.run(), [&](std::exception_ptr) { returned = true; });
  io.poll();  // runs run() up to where it waits
  CHECK_FALSE(returned);
  CHECK(events == std::vector<std::string>{"became 0"});
  CHECK(elector.role() == Role::standalone);
  CHECK(elector.holder() == "solo");
  CHECK(elector.may_act());

  boost::asio::post(io, [&] { elector.stop(); });
  io.restart();
  io.run_for(5s);  // returns as soon as run() has finished: nothing else is pending
  CHECK(returned);
  CHECK(events == std::vector<std::string>{"became 0", "lost 0 shutdown"});
  CHECK_FALSE(elector.may_act());
}
