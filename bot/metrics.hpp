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

class Metrics {
 public:
  void increment(std::string_view name, const Labels& labels = {}, double by = 1);
  void set_gauge(std::string_view name, const Labels& labels, double value);
  double value(std::string_view name, const Labels& labels = {}) const;
  std::string render_prometheus() const;

 private:
  struct Family {
    bool counter = true;
    std::map<std::string, double> series;  // rendered label set → value
  };
  static std::string render_labels(const Labels& labels);
  std::map<std::string, Family, std::less<>> families_;
};

}  // namespace katabot
