#pragma once
// Counters and gauges for /metrics, rendered in the Prometheus text format. The bot runs one
// thread, so no atomics are needed.
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace katabot {

using Labels = std::vector<std::pair<std::string, std::string>>;

enum class MetricType { counter, gauge, summary };

class Metrics {
 public:
  // Gives a family its # HELP text and its type; a summary's quantiles are kept with set_gauge.
  // Families never described are rendered with their # TYPE only.
  void describe(std::string_view name, MetricType type, std::string help);
  void increment(std::string_view name, const Labels& labels = {}, double by = 1);
  void set_gauge(std::string_view name, const Labels& labels, double value);
  double value(std::string_view name, const Labels& labels = {}) const;
  std::string render_prometheus() const;

 private:
  struct Family {
    MetricType type = MetricType::counter;
    bool described = false;
    std::string help;
    std::map<std::string, double> series;  // rendered label set → value
  };
  static std::string render_labels(const Labels& labels);
  Family& family(std::string_view name, MetricType type_if_undescribed);
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace katabot
