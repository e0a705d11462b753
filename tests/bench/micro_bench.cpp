// Throughput of the hot paths on one core, with Google Benchmark: IRC line parsing; an IRC command
// from bytes to the lines handed to the send queue (framer, session, router, knowledge base,
// rendering, splitting); a Socket Mode frame to its ack bytes, the way the Slack adapter does it;
// loading and validating the project's knowledge/ folder; the next occurrences of its meetings.
// Targets (issue 13): ≥ 2 M IRC lines/s, ≥ 500 k envelopes/s. Results: tests/bench/RESULTS.md.
//   taskset -c 1 ./build/default/tests/bench/micro_bench
// Free-text routing by knowledge base size is in router_bench (a table from 34 to 10 000 topics).
#include <cstdint>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>
#include <spdlog/spdlog.h>

#include "bot/irc/irc_message.hpp"
#include "bot/irc/line_framer.hpp"
#include "bot/irc/reply_lines.hpp"
#include "bot/irc/session.hpp"
#include "bot/render.hpp"
#include "bot/router.hpp"
#include "bot/slack/envelope.hpp"
#include "bot/slack/event_dedupe.hpp"
#include "bot/slack/socket_mode_session.hpp"
#include "handlers/command_registry.hpp"
#include "knowledge/schedule.hpp"

using namespace katabot;
using steady = std::chrono::steady_clock;

namespace {

const char* const knowledge_dir = KATABOT_SOURCE_DIR "/knowledge";

// What a busy channel delivers: tagged and untagged PRIVMSGs, a JOIN, a PING, a numeric.
const std::vector<std::string> irc_lines = {
    ":alice!~alice@example.org PRIVMSG #kata-dev :has anyone seen the arm64 CI failures since yesterday?",
    "@time=2026-11-30T02:15:00.000Z;account=bob :bob!~bob@example.org PRIVMSG #kata-dev :!conduct",
    ":carol!~carol@203.0.113.7 JOIN #kata-dev",
    "PING :irc.oftc.net",
    ":irc.oftc.net 353 katabot = #kata-dev :katabot alice bob carol @dave +erin",
};

void irc_parse(benchmark::State& state) {
  std::size_t i = 0;
  for (auto _ : state) {
    auto message = irc::parse_message(irc_lines[i++ % irc_lines.size()]);
    benchmark::DoNotOptimize(message);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(irc_parse);

std::shared_ptr<const KnowledgeBase> project_knowledge(const CommandRegistry& registry) {
  Diagnostics diagnostics;
  auto knowledge = KnowledgeBase::load(knowledge_dir, registry.reserved_words(), diagnostics);
  if (!knowledge) throw std::runtime_error("the knowledge base in " + std::string(knowledge_dir) + " did not load");
  return knowledge;
}

// A registered session in #kata-dev with the real router and knowledge base; the rate limiter lets
// everything through, so every iteration answers.
struct IrcPipeline {
  CommandRegistry registry;
  std::shared_ptr<const KnowledgeBase> knowledge = project_knowledge(registry);
  SystemClock clock;
  Metrics metrics;
  Router router{unlimited(), registry, [this] { return knowledge; }, clock, metrics};
  irc::ChannelSet channels{{"#kata-dev"}};
  irc::Session session{irc::SessionSettings{}, channels, steady::now()};
  irc::LineFramer framer;

  static RouterSettings unlimited() {
    RouterSettings settings;
    settings.user_burst = 1e12;
    return settings;
  }

  IrcPipeline() {
    irc::SessionEvents ignored;
    for (const char* line : {":srv 001 katabot :Welcome", ":srv 005 katabot CASEMAPPING=rfc1459 :are supported",
                             ":srv 376 katabot :End", ":katabot!~katabot@127.0.0.1 JOIN #kata-dev"}) {
      session.on_line(line, steady::now(), ignored);
    }
  }

  // Bytes from the socket to the lines for the send queue; how many lines.
  std::size_t answer(std::string_view bytes) {
    framer.feed(bytes);
    irc::SessionEvents events;
    while (auto line = framer.next_line()) session.on_line(*line, steady::now(), events);
    std::size_t lines = 0;
    for (const auto& message : events.messages) {
      Inbound inbound;
      inbound.platform = Platform::irc;
      inbound.kind = message.is_private ? InboundKind::direct_message : InboundKind::channel_line;
      inbound.channel = message.is_private ? message.nick : message.target;
      inbound.user_id = inbound.user_name = message.nick;
      inbound.text = message.text;
      if (const auto reply = router.route(inbound)) {
        lines += irc::plan_reply_lines(render_irc_lines(*reply),
                                       {session.own_prefix(), message.is_private ? "" : message.target, message.nick})
                     .size();
      }
    }
    return lines;
  }
};

void irc_command_to_reply_lines(benchmark::State& state, const char* bytes) {
  IrcPipeline pipeline;
  std::size_t lines = 0;
  for (auto _ : state) lines += pipeline.answer(bytes);
  if (lines < static_cast<std::size_t>(state.iterations())) state.SkipWithError("a command went unanswered");
  state.SetItemsProcessed(state.iterations());
  state.counters["reply_lines"] = benchmark::Counter(static_cast<double>(lines), benchmark::Counter::kAvgIterations);
}
BENCHMARK_CAPTURE(irc_command_to_reply_lines, conduct, ":alice!~alice@example.org PRIVMSG #kata-dev :!conduct\r\n");
BENCHMARK_CAPTURE(irc_command_to_reply_lines, next, ":alice!~alice@example.org PRIVMSG #kata-dev :!next\r\n");

// A message event as Slack sends it (the fake Slack's shape, with a realistic payload).
std::string message_envelope(int n) {
  const auto id = std::to_string(n);
  return R"({"envelope_id":"c2a8e5b4-)" + id +
         R"(","type":"events_api","accepts_response_payload":false,"retry_attempt":0,"retry_reason":"",)"
         R"("payload":{"token":"x","team_id":"T0KATA","api_app_id":"A0KATA","type":"event_callback",)"
         R"("event_id":"Ev)" + id + R"(","event_time":1700000000,"event":{"type":"message","channel":"C0KATA",)"
         R"("channel_type":"channel","user":"U0ALICE","text":"has anyone seen the arm64 CI failures?",)"
         R"("ts":"1700000000.)" + id + R"(","team":"T0KATA"}}})";
}

// A serving session, as the adapter has it after hello.
slack::SocketModeSession connected_session() {
  slack::SocketModeSession session;
  session.handle({slack::SessionEventType::start});
  session.handle({slack::SessionEventType::url_ready, session.primary(), "wss://example.org/link"});
  session.handle({slack::SessionEventType::socket_open, session.primary()});
  session.handle({slack::SessionEventType::hello, session.primary()});
  return session;
}

// The adapter's path up to the bytes written: parse the frame, ask the session whether to
// dispatch, make the ack. The payload is parsed once, as in the adapter.
void slack_envelope_to_ack(benchmark::State& state) {
  std::vector<std::string> frames;
  for (int i = 0; i < 64; ++i) frames.push_back(message_envelope(i));
  auto session = connected_session();
  const slack::SessionEvent envelope_event{slack::SessionEventType::envelope, session.primary()};
  std::size_t i = 0;
  std::size_t ack_bytes = 0;
  for (auto _ : state) {
    auto frame = slack::parse_frame(frames[i++ % frames.size()]);
    const auto* envelope = std::get_if<slack::Envelope>(&frame);
    const auto actions = session.handle(envelope_event);
    if (!envelope || actions.empty() || actions.front().type != slack::SessionActionType::dispatch) {
      state.SkipWithError("the envelope was not dispatched");
      break;
    }
    ack_bytes += slack::make_ack(envelope->envelope_id).size();
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(static_cast<std::int64_t>(ack_bytes));
}
BENCHMARK(slack_envelope_to_ack);

// After the ack, the adapter reads the chat event and checks it against retries.
void slack_envelope_to_ack_and_event(benchmark::State& state) {
  std::vector<std::string> frames;
  for (int i = 0; i < 64; ++i) frames.push_back(message_envelope(i));
  auto session = connected_session();
  const slack::SessionEvent envelope_event{slack::SessionEventType::envelope, session.primary()};
  SystemClock clock;
  slack::EventDedupe dedupe(clock);
  std::size_t i = 0;
  for (auto _ : state) {
    auto frame = slack::parse_frame(frames[i++ % frames.size()]);
    const auto* envelope = std::get_if<slack::Envelope>(&frame);
    if (!envelope || session.handle(envelope_event).empty()) {
      state.SkipWithError("the envelope was not dispatched");
      break;
    }
    benchmark::DoNotOptimize(slack::make_ack(envelope->envelope_id));
    const auto event = slack::parse_chat_event(envelope->payload());
    if (!event) {
      state.SkipWithError("no chat event in the envelope");
      break;
    }
    benchmark::DoNotOptimize(dedupe.first_delivery(
        {"event:" + event->event_id, "message:" + event->channel + "/" + event->ts, "envelope:" + envelope->envelope_id}));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(slack_envelope_to_ack_and_event);

void knowledge_load_and_validate(benchmark::State& state) {
  CommandRegistry registry;
  for (auto _ : state) benchmark::DoNotOptimize(project_knowledge(registry));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(knowledge_load_and_validate)->Unit(benchmark::kMillisecond);

// What !next and !meetings compute: the next occurrences of every meeting in meetings.yaml.
void next_occurrences_of_all_meetings(benchmark::State& state) {
  CommandRegistry registry;
  const auto knowledge = project_knowledge(registry);
  const auto now = std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
  const auto count = static_cast<std::size_t>(state.range(0));
  // Each hour of the next four weeks in turn: every weekday and time of day, no warm answer to reuse.
  std::int64_t hour = 0;
  for (auto _ : state) {
    const auto upcoming = next_occurrences(knowledge->meetings(), now + std::chrono::hours(hour++ % (24 * 28)), count);
    if (upcoming.size() != count) {
      state.SkipWithError("fewer occurrences than asked");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["meetings"] = static_cast<double>(knowledge->meetings().size());
}
BENCHMARK(next_occurrences_of_all_meetings)->Arg(1)->Arg(10);

}  // namespace

int main(int argc, char** argv) {
  spdlog::set_level(spdlog::level::warn);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
