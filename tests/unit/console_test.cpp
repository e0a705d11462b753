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
