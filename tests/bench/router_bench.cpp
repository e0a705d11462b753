// How long the router takes to answer; whether keyword matching and free-text retrieval stay flat
// as the knowledge base grows (they must: one Aho-Corasick pass, and a bounded number of postings
// per question, not a scan of every topic); and the worst case per message for hostile input up to
// Slack's 40 000 characters (it must stay under 1 ms). Prints figures.
//   ./build/default/tests/bench/router_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include <time.h>

#include "bot/router.hpp"
#include "knowledge/utf8_cut.hpp"

using namespace katabot;
using Clock_ = std::chrono::steady_clock;

namespace {

std::shared_ptr<const KnowledgeBase> synthetic_knowledge(std::size_t topic_count) {
  std::vector<Topic> topics;
  for (std::size_t i = 0; i < topic_count; ++i) {
    const auto n = std::to_string(i);
    topics.push_back({"topic-" + n, "Topic " + n, {"alias-" + n}, {"keyword phrase " + n, "another " + n + " phrase", "w" + n},
                      "Summary " + n, "Details " + n, {{"link", "https://example.org/" + n}}});
  }
  return std::make_shared<const KnowledgeBase>(std::move(topics), std::vector<Meeting>{});
}

// CPU time of this thread: on a shared machine the wall-clock maximum mostly measures time slices
// given to other processes, not the work done for the message.
double thread_cpu_us() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) * 1e6 + static_cast<double>(now.tv_nsec) / 1e3;
}

struct Figures {
  double p50_us;
  double p99_us;
  double max_cpu_us;
};

template <typename Work>
Figures measure(std::size_t iterations, Work&& work) {
  std::vector<double> samples;
  samples.reserve(iterations);
  double max_cpu_us = 0;
  for (std::size_t i = 0; i < iterations; ++i) {
    const auto cpu_start = thread_cpu_us();
    const auto start = Clock_::now();
    work(i);
    samples.push_back(std::chrono::duration<double, std::micro>(Clock_::now() - start).count());
    max_cpu_us = std::max(max_cpu_us, thread_cpu_us() - cpu_start);
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100], max_cpu_us};
}

// Slack accepts messages of up to 40 000 characters.
constexpr std::size_t slack_max_characters = 40'000;

std::size_t code_points(std::string_view text) {
  return std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; });
}

// `piece` repeated as often as a Slack message holds it.
std::string fill_slack_message(std::string_view piece) {
  std::string text;
  for (auto characters = code_points(piece); characters <= slack_max_characters; characters += code_points(piece)) {
    text += piece;
  }
  return text;
}

// Every command word of the knowledge base with two letters swapped: each one costs an edit
// distance in did-you-mean and a near-miss in the phrase index.
std::string near_misses(const CommandRegistry& registry, const KnowledgeBase& knowledge) {
  std::string words;
  for (auto word : registry.all_words(knowledge)) {
    if (word.size() >= 2) std::swap(word[0], word[1]);
    words += word + " ";
  }
  return words;
}

struct HostileInput {
  const char* label;
  InboundKind kind;
  std::string text;
};

std::vector<HostileInput> hostile_inputs(const CommandRegistry& registry, const KnowledgeBase& knowledge) {
  const auto words = registry.all_words(knowledge);
  const auto longest_word = *std::max_element(words.begin(), words.end(), [](const auto& a, const auto& b) { return a.size() < b.size(); });
  const auto one_word = fill_slack_message("a");
  const auto emoji = fill_slack_message("\xF0\x9F\x98\x80");
  const auto many_words = fill_slack_message("ab ");
  const auto misses = fill_slack_message(near_misses(registry, knowledge));
  return {
      {"one 40 000-character word", InboundKind::slash_command, one_word},
      {"longest command word, then x to 40 000", InboundKind::slash_command,
       std::string(first_code_points(longest_word + fill_slack_message("x"), slack_max_characters))},
      {"40 000 four-byte code points", InboundKind::slash_command, emoji},
      {"40 000 four-byte code points, chatter", InboundKind::channel_line, emoji},
      {"13 333 two-letter words, mention", InboundKind::mention, many_words},
      {"13 333 two-letter words, chatter", InboundKind::channel_line, many_words},
      {"near-misses of every command word", InboundKind::slash_command, misses},
      {"near-misses of every command word, mention", InboundKind::mention, misses},
      {"near-misses of every command word, chatter", InboundKind::channel_line, misses},
  };
}

void report_worst_cases(const char* knowledge_label, std::shared_ptr<const KnowledgeBase> knowledge) {
  CommandRegistry registry;
  SystemClock clock;
  Metrics metrics;
  RouterSettings settings;
  settings.user_burst = 1e12;
  Router router(settings, registry, [&] { return knowledge; }, clock, metrics);
  std::printf("\nhostile messages, %s (%zu command words), per message\n", knowledge_label,
              registry.all_words(*knowledge).size());
  std::printf("%-46s %9s %10s %10s %13s\n", "input", "bytes", "p50 (us)", "p99 (us)", "max CPU (us)");
  for (const auto& input : hostile_inputs(registry, *knowledge)) {
    Inbound inbound;
    inbound.platform = Platform::slack;
    inbound.kind = input.kind;
    inbound.channel = "C0KATA";
    inbound.text = input.text;
    // A new user and channel each time, so that neither rate limits nor cooldowns skip the work.
    const auto figures = measure(500, [&](std::size_t i) {
      inbound.user_id = "U" + std::to_string(i);
      inbound.channel = "C" + std::to_string(i);
      router.route(inbound);
    });
    std::printf("%-46s %9zu %10.2f %10.2f %13.2f\n", input.label, input.text.size(), figures.p50_us, figures.p99_us,
                figures.max_cpu_us);
  }
}

// Topics written in a shared vocabulary with a few very common words (as real topics share "kata",
// "community", "project"), so that postings lists grow with the knowledge base as they would.
std::shared_ptr<const KnowledgeBase> synthetic_prose_knowledge(std::size_t topic_count) {
  std::mt19937 random(42);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 5000; ++i) vocabulary.push_back("word" + std::to_string(i) + "x");
  // Zipf-like: word i is drawn with probability about 1/(i+1).
  std::vector<double> weights;
  for (std::size_t i = 0; i < vocabulary.size(); ++i) weights.push_back(1.0 / static_cast<double>(i + 1));
  std::discrete_distribution<std::size_t> pick(weights.begin(), weights.end());
  const auto sentence = [&](int words) {
    std::string text;
    for (int i = 0; i < words; ++i) text += vocabulary[pick(random)] + " ";
    return text;
  };
  std::vector<Topic> topics;
  for (std::size_t i = 0; i < topic_count; ++i) {
    const auto n = std::to_string(i);
    topics.push_back({"topic-" + n, sentence(4), {"alias-" + n}, {sentence(3), sentence(3)}, sentence(30), sentence(80),
                      {{"link", "https://example.org/" + n}}});
  }
  return std::make_shared<const KnowledgeBase>(std::move(topics), std::vector<Meeting>{});
}

// The router end to end (parse, rate limit, handler, reply) for one line, by many users.
Figures route_figures(std::shared_ptr<const KnowledgeBase> knowledge, const std::string& text, std::size_t iterations) {
  CommandRegistry registry;
  SystemClock clock;
  Metrics metrics;
  RouterSettings settings;
  settings.user_burst = 1e12;  // measure answering, not the rate limiter's refusals
  Router router(settings, registry, [&] { return knowledge; }, clock, metrics);
  Inbound inbound;
  inbound.platform = Platform::irc;
  inbound.channel = "#kata-dev";
  inbound.text = text;
  return measure(iterations, [&](std::size_t i) {
    inbound.user_id = "user" + std::to_string(i % 500);
    router.route(inbound);
  });
}

// Free-text routing of a 200-character question addressed to the bot: retrieval reads a bounded
// number of postings, so the cost must stay flat from 34 to 10 000 topics.
void free_text_section() {
  std::string question = "katabot: ";
  for (int i = 0; question.size() < 200; i = (i * 7 + 3) % 60) question += "word" + std::to_string(i) + "x ";
  question.resize(200);
  std::printf("\nfree-text routing of a %zu-character question, by knowledge base size\n", question.size());
  std::printf("%10s %14s %12s %12s %14s %14s\n", "topics", "index (ms)", "p50 (us)", "p99 (us)", "route p50 (us)",
              "route p99 (us)");
  for (const std::size_t size : {34UL, 1000UL, 10000UL}) {
    const auto build_start = Clock_::now();
    const auto knowledge = synthetic_prose_knowledge(size);
    const auto build_ms = std::chrono::duration<double, std::milli>(Clock_::now() - build_start).count();
    volatile std::size_t candidates = 0;
    const auto match = measure(5000, [&](std::size_t) { candidates = knowledge->match_free_text(question).candidates.size(); });
    const auto routed = route_figures(knowledge, question, 5000);
    std::printf("%10zu %14.1f %12.2f %12.2f %14.2f %14.2f\n", size, build_ms, match.p50_us, match.p99_us, routed.p50_us,
                routed.p99_us);
  }
}

}  // namespace

int main() {
  const std::string chatter =
      "has anyone seen the CI failures on the arm64 runners since yesterday, I think it is the new kernel config";
  std::printf("keyword matching of a %zu-byte channel line (no hit), by knowledge base size\n", chatter.size());
  std::printf("%10s %10s %12s %12s\n", "topics", "phrases", "p50 (us)", "p99 (us)");
  for (const std::size_t size : {30UL, 300UL, 3000UL, 30000UL}) {
    const auto knowledge = synthetic_knowledge(size);
    volatile bool hit = false;
    const auto figures = measure(20000, [&](std::size_t) { hit = knowledge->match_keywords(chatter).has_value(); });
    std::printf("%10zu %10zu %12.2f %12.2f\n", size, size * 3, figures.p50_us, figures.p99_us);
  }

  const auto knowledge = synthetic_knowledge(30);
  std::printf("\nrouter, end to end (parse, rate limit, handler, reply), 30 topics\n");
  for (const auto* text : {"!topic-7", "katabot: tell me about keyword phrase 12", "!help", "!nosuch"}) {
    const auto figures = route_figures(knowledge, text, 20000);
    std::printf("%-45s p50 %7.2f us   p99 %7.2f us\n", text, figures.p50_us, figures.p99_us);
  }
  free_text_section();

  CommandRegistry registry;
  Diagnostics diagnostics;
  const auto project = KnowledgeBase::load(KATABOT_SOURCE_DIR "/knowledge", registry.reserved_words(), diagnostics);
  if (!project) {
    std::fprintf(stderr, "knowledge base did not load\n");
    return 1;
  }
  report_worst_cases("the project's knowledge base", project);
  report_worst_cases("300 synthetic topics", synthetic_knowledge(300));
  return 0;
}
