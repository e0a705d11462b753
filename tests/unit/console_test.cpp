#include <catch2/catch.hpp>

#include <sstream>

#include "bot/console/console_session.hpp"

using namespace katabot;

TEST_CASE("console lines act as the platform they look like", "[console]") {
  const ConsoleSettings settings;
  const auto slash = console_inbound(settings, "/kata meetings Europe/Berlin");
  CHECK(slash.platform == Platform::slack);
  CHECK(slash.kind == InboundKind::slash_command);
  CHECK(slash.text == "meetings Europe/Berlin");
  CHECK(console_inbound(settings, "/kata").text.empty());
  const auto irc = console_inbound(settings, "!conduct");
  CHECK(irc.platform == Platform::irc);
  CHECK(irc.kind == InboundKind::channel_line);
  CHECK(irc.text == "!conduct");
  const auto chatter = console_inbound(settings, "/katana is not the command");
  CHECK(chatter.platform == Platform::console);
  CHECK(chatter.kind == InboundKind::channel_line);
}

TEST_CASE("the console prints one block per line, rendered per platform", "[console]") {
  const ConsoleSettings settings;
  Reply reply;
  reply.text = "Code of Conduct: be kind.";
  reply.mrkdwn = "*Code of Conduct*";
  reply.links = {{"CoC", "https://openinfra.dev/legal/code-of-conduct"}};
  std::vector<Inbound> seen;
  const InboundHandler handler = [&](const Inbound& inbound) -> std::optional<Reply> {
    seen.push_back(inbound);
    if (inbound.text == "nothing for the bot") return std::nullopt;
    return reply;
  };
  std::istringstream in("/kata conduct\n!conduct\n\nnothing for the bot\r\n");
  std::ostringstream out;
  CHECK(run_console(settings, handler, in, out) == 0);
  CHECK(seen.size() == 3);
  CHECK(out.str() ==
        "[Slack, only visible to you]\n*Code of Conduct*\n<https://openinfra.dev/legal/code-of-conduct|CoC>\n\n"
        "[IRC #kata-dev]\n<katabot> Code of Conduct: be kind. — https://openinfra.dev/legal/code-of-conduct\n\n"
        "[#kata-dev]\n(katabot stays quiet: nothing here is for the bot)\n\n");
}

TEST_CASE("IRC answers in the console are split and capped as the IRC adapter sends them", "[console]") {
  ConsoleSettings settings;
  Inbound inbound = console_inbound(settings, "!long");
  inbound.user_name = "alice";
  Reply reply;
  for (int i = 1; i <= 6; ++i) reply.text += "line " + std::to_string(i) + " " + std::string(600, 'x') + "\n";
  const auto block = render_for_console(settings, inbound, reply);
  std::size_t in_channel = 0;
  std::size_t in_private = 0;
  std::istringstream lines(block);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("<katabot> ")) ++in_channel;
    if (line.starts_with("(privately to alice) <katabot> ")) ++in_private;
    CHECK(line.size() < 512);
  }
  CHECK(in_channel == 1);  // the note; the answer itself goes to the asker
  CHECK(in_private > 1);
}

TEST_CASE("a console question no keyword answers is asked of the bot, other chatter is not", "[console]") {
  const ConsoleSettings settings;
  std::vector<Inbound> seen;
  const InboundHandler handler = [&](const Inbound& inbound) -> std::optional<Reply> {
    seen.push_back(inbound);
    if (inbound.kind != InboundKind::direct_message) return std::nullopt;
    Reply reply;
    reply.text = "answered: " + inbound.text;
    return reply;
  };
  std::istringstream in("is kata part of the cncf? \nthanks, that worked\n");
  std::ostringstream out;
  CHECK(run_console(settings, handler, in, out) == 0);
  REQUIRE(seen.size() == 3);
  CHECK(seen[0].kind == InboundKind::channel_line);
  CHECK(seen[1].kind == InboundKind::direct_message);
  CHECK(seen[2].kind == InboundKind::channel_line);
  CHECK(out.str() == "[#kata-dev]\n<katabot> answered: is kata part of the cncf? \n\n"
                     "[#kata-dev]\n(katabot stays quiet: nothing here is for the bot)\n\n");
}
