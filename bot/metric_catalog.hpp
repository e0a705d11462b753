#pragma once
// Every metric katabot exports, in one place: /metrics gives each its # HELP and # TYPE, and the
// series that can be known in advance start at 0, because Prometheus cannot tell an absent series
// from one that never moved (rate() and dashboards need them from the start).
#include <string>
#include <vector>

#include "bot/metrics.hpp"

namespace katabot {

// Describes every family and sets katabot_build_info{version,commit} to 1.
void describe_katabot_metrics(Metrics& metrics);

struct KnownSeries {
  std::vector<std::string> platforms;  // the enabled adapters ("slack", "irc")
  std::vector<std::string> commands;   // built-in command names and topic ids
};
// Adds each known series at 0; series already counting keep their value.
void register_known_series(Metrics& metrics, const KnownSeries& known);
// The election's series: not leading, epoch 0, every transition reason at 0.
void register_leader_series(Metrics& metrics);

}  // namespace katabot
