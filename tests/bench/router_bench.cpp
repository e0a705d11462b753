// How long the router takes to answer, and whether keyword matching and free-text retrieval stay
// flat as the knowledge base grows (they must: one Aho-Corasick pass, and a bounded number of
// postings per question, not a scan of every topic). Prints figures.
//   ./build/default/tests/router_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "bot/router.hpp"

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

struct Figures {
  double p50_us;
  double p99_us;
};

template <typename Work>
Figures measure(std::size_t iterations, Work&& work) {
  std::vector<double> samples;
  samples.reserve(iterations);
  for (std::size_t i = 0; i < iterations; ++i) {
    const auto start = Clock_::now();
    work(i);
    samples.push_back(std::chrono::duration<double, std::micro>(Clock_::now() - start).count());
  }
  std::sort(samples.begin(), samples.end());
  return {samples[samples.size() / 2], samples[samples.size() * 99 / 100]};
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
  return 0;
}
