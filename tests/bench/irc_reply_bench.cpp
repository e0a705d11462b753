// Reply latency of the IRC path before flood pacing: bytes from the socket through the framer, the
// session, the real router and knowledge base, rendering, splitting and sanitising, up to the lines
// handed to the send queue. Prints percentiles; asserts nothing (timings vary by machine).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "bot/irc/line_framer.hpp"
#include "bot/irc/reply_lines.hpp"
#include "bot/irc/session.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/render.hpp"
#include "bot/router.hpp"
#include "handlers/command_registry.hpp"

using namespace katabot;
using steady = std::chrono::steady_clock;

namespace {

long rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main() {
  spdlog::set_level(spdlog::level::warn);
  CommandRegistry registry;
  KnowledgeStore store(KATABOT_SOURCE_DIR "/knowledge", registry.reserved_words());
  if (!store.reload().empty()) {
    std::fprintf(stderr, "knowledge base did not load\n");
    return 1;
  }
  SystemClock clock;
  Metrics metrics;
  RouterSettings settings;
  settings.user_burst = 1e12;  // measure answering, not the rate limiter's refusals
  Router router(settings, registry, [&] { return store.snapshot(); }, clock, metrics);

  irc::ChannelSet channels({"#kata-dev"});
  irc::Session session(irc::SessionSettings{}, channels, steady::now());
  irc::SessionEvents events;
  for (const char* line : {":srv 001 katabot :Welcome", ":srv 005 katabot CASEMAPPING=rfc1459 :are supported",
                           ":srv 376 katabot :End", ":katabot!~katabot@127.0.0.1 JOIN #kata-dev"}) {
    session.on_line(line, steady::now(), events);
  }
  const std::vector<std::string> inputs = {
      ":alice!~alice@example.org PRIVMSG #kata-dev :!conduct\r\n",
      ":bob!~bob@example.org PRIVMSG #kata-dev :!meetings\r\n",
      ":carol!~carol@example.org PRIVMSG #kata-dev :katabot: coc\r\n",
      ":dave!~dave@example.org PRIVMSG katabot :conduct\r\n",
  };
  irc::LineFramer framer;
  std::vector<double> micros;
  std::size_t lines_out = 0;
  constexpr int rounds = 20000;
  for (int i = 0; i < rounds; ++i) {
    const auto start = steady::now();
    framer.feed(inputs[i % inputs.size()]);
    irc::SessionEvents out;
    while (auto line = framer.next_line()) session.on_line(*line, start, out);
    for (const auto& message : out.messages) {
      Inbound inbound;
      inbound.platform = Platform::irc;
      inbound.kind = message.is_private ? InboundKind::direct_message : InboundKind::channel_line;
      inbound.channel = message.is_private ? message.nick : message.target;
      inbound.user_id = inbound.user_name = message.nick;
      inbound.text = message.text;
      if (const auto reply = router.route(inbound)) {
        lines_out += irc::plan_reply_lines(render_irc_lines(*reply),
                                           {session.own_prefix(), message.is_private ? "" : message.target, message.nick})
                         .size();
      }
    }
    micros.push_back(std::chrono::duration<double, std::micro>(steady::now() - start).count());
  }
  std::sort(micros.begin(), micros.end());
  auto percentile = [&](double p) { return micros[static_cast<std::size_t>(p * (micros.size() - 1))]; };
  std::printf("irc reply latency over %d messages (%zu lines out): p50 %.1f us, p90 %.1f us, p99 %.1f us, max %.1f us\n",
              rounds, lines_out, percentile(0.5), percentile(0.9), percentile(0.99), micros.back());
  std::printf("bench process RSS: %ld kB\n", rss_kb());
  return lines_out >= rounds ? 0 : 1;
}
