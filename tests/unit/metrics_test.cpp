// The Prometheus text rendering of Metrics and the catalog of katabot's metrics.
#include <string>

#include <catch2/catch.hpp>

#include "bot/metric_catalog.hpp"
#include "bot/metrics.hpp"

using namespace katabot;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("a described family renders its HELP and TYPE, and its type wins over the call used", "[metrics]") {
  Metrics metrics;
  metrics.describe("katabot_ack_latency_seconds", MetricType::summary, "Ack latency.");
  metrics.set_gauge("katabot_ack_latency_seconds", {{"quantile", "0.5"}}, 0.25);
  metrics.describe("katabot_sent_total", MetricType::counter, "Sent.");

  CHECK(metrics.render_prometheus() ==
        "# HELP katabot_ack_latency_seconds Ack latency.\n"
        "# TYPE katabot_ack_latency_seconds summary\n"
        "katabot_ack_latency_seconds{quantile=\"0.5\"} 0.25\n"
        "# HELP katabot_sent_total Sent.\n"
        "# TYPE katabot_sent_total counter\n");
}

TEST_CASE("the catalog starts known series at 0 and keeps counting ones", "[metrics]") {
  Metrics metrics;
  metrics.increment("katabot_messages_in_total", {{"platform", "irc"}});
  describe_katabot_metrics(metrics);
  register_known_series(metrics, KnownSeries{{"irc", "slack"}, {"help", "conduct"}});

  const auto text = metrics.render_prometheus();
  CHECK(contains(text, "# HELP katabot_messages_in_total "));
  CHECK(contains(text, "\nkatabot_messages_in_total{platform=\"irc\"} 1\n"));
  CHECK(contains(text, "\nkatabot_messages_in_total{platform=\"slack\"} 0\n"));
  CHECK(contains(text, "\nkatabot_commands_total{command=\"conduct\"} 0\n"));
  CHECK(contains(text, "\nkatabot_commands_total{command=\"unknown\"} 0\n"));
  CHECK(contains(text, "\nkatabot_flood_waits_total{platform=\"irc\"} 0\n"));
  CHECK(contains(text, "\nkatabot_acks_total 0\n"));
  CHECK(contains(text, "# TYPE katabot_slack_ack_latency_seconds summary\n"));
  CHECK(contains(text, "\nkatabot_build_info{version=\"" KATABOT_VERSION "\",commit=\""));
}

TEST_CASE("a platform that is not enabled gets no series", "[metrics]") {
  Metrics metrics;
  describe_katabot_metrics(metrics);
  register_known_series(metrics, KnownSeries{{"irc"}, {}});
  const auto text = metrics.render_prometheus();
  CHECK_FALSE(contains(text, "platform=\"slack\""));
  CHECK_FALSE(contains(text, "\nkatabot_acks_total "));
}
