// How long the router takes to answer, and whether keyword matching stays flat as the knowledge
// base grows (it must: one Aho-Corasick pass, not a scan of every keyword). Prints figures.
//   ./build/default/tests/router_bench
#include <algorithm>
#include <chrono>
#include <cstdio>
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

  CommandRegistry registry;
  SystemClock clock;
  Metrics metrics;
  const auto knowledge = synthetic_knowledge(30);
  RouterSettings settings;
  settings.user_burst = 1e12;
  Router router(settings, registry, [&] { return knowledge; }, clock, metrics);
  Inbound inbound;
  inbound.platform = Platform::irc;
  inbound.channel = "#kata-dev";
  std::printf("\nrouter, end to end (parse, rate limit, handler, reply), 30 topics\n");
  for (const auto* text : {"!topic-7", "katabot: tell me about keyword phrase 12", "!help", "!nosuch"}) {
    inbound.text = text;
    const auto figures = measure(20000, [&](std::size_t i) {
      inbound.user_id = "user" + std::to_string(i % 500);
      router.route(inbound);
    });
    std::printf("%-45s p50 %7.2f us   p99 %7.2f us\n", text, figures.p50_us, figures.p99_us);
  }
  return 0;
}
