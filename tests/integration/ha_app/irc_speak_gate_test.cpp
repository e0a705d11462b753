// The IRC adapter's speak gate (ha.md §3.2): a replica that may not act (its lease is running out,
// or it was paused past it) writes no PRIVMSG or NOTICE, not even replies queued before; it speaks
// again once allowed. Against a real ircd-hybrid.
#include <catch2/catch.hpp>

#include <atomic>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/use_future.hpp>

#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;

namespace {

bool bot_says(const std::string& line, const std::string& text) {
  return line.starts_with(":katabot!") && line.find(" PRIVMSG #kata-dev :" + text) != std::string::npos;
}

}  // namespace

TEST_CASE("irc speak gate: nothing is said while the replica may not act, answers resume when it may",
          "[integration][ha_app][irc][hybrid]") {
  HybridServer server;
  auto member = connect_member(server.port(), "alice", {"#kata-dev"});
  std::atomic<bool> may_act{true};
  std::atomic<int> refused{0};
  std::atomic<int> asked{0};
  const auto numbered_answers = [&](const Inbound& inbound) -> std::optional<Reply> {
    if (inbound.text != "!ping") return std::nullopt;
    Reply reply;
    reply.text = "answer " + std::to_string(++asked);
    return reply;
  };
  BotRunner bot(plain_config(server.port(), {"#kata-dev"}), fast_tuning(), numbered_answers, {}, [&] {
    if (may_act) return true;
    ++refused;
    return false;
  });
  REQUIRE(bot.wait_ready(10s));

  may_act = false;
  member.send_line("PRIVMSG #kata-dev :!ping");
  const auto deadline = Clock::now() + 5s;
  while (refused == 0 && Clock::now() < deadline) std::this_thread::sleep_for(10ms);  // until the writer asked
  REQUIRE(refused == 1);
  auto refused_post = bot.call([&] {
    auto future = boost::asio::co_spawn(bot.call_executor(), bot.adapter().post("#kata-dev", Reply{.text = "reminder"}),
                                        boost::asio::use_future);
    return future;
  });
  REQUIRE(refused_post.wait_for(10s) == std::future_status::ready);
  CHECK_FALSE(refused_post.get().is_delivered());

  may_act = true;
  member.send_line("PRIVMSG #kata-dev :!ping");
  const auto first_said = member.wait_for([](const std::string& line) { return line.find(" PRIVMSG #kata-dev :") != std::string::npos; }, 5s);
  REQUIRE(first_said);
  CHECK(bot_says(*first_said, "answer 2"));  // answer 1 and the reminder were dropped, not delayed
  CHECK(asked == 2);
}
