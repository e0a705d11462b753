#include "bot/metrics.hpp"

#include <cmath>
#include <sstream>

namespace katabot {

std::string Metrics::render_labels(const Labels& labels) {
  if (labels.empty()) return {};
  std::string text = "{";
  for (const auto& [key, value] : labels) {
    if (text.size() > 1) text += ',';
    text += key + "=\"";
    for (const char c : value) {
      if (c == '\\' || c == '"') text += '\\';
      if (c == '\n') {
        text += "\\n";
        continue;
      }
      text += c;
    }
    text += '"';
  }
  return text + "}";
}

void Metrics::increment(std::string_view name, const Labels& labels, double by) {
  auto& family = families_[std::string(name)];
  family.counter = true;
  family.series[render_labels(labels)] += by;
}

void Metrics::set_gauge(std::string_view name, const Labels& labels, double value) {
  auto& family = families_[std::string(name)];
  family.counter = false;
  family.series[render_labels(labels)] = value;
}

double Metrics::value(std::string_view name, const Labels& labels) const {
  const auto family = families_.find(name);
  if (family == families_.end()) return 0;
  const auto series = family->second.series.find(render_labels(labels));
  return series == family->second.series.end() ? 0 : series->second;
}

std::string Metrics::render_prometheus() const {
  std::ostringstream out;
  out.precision(15);
  for (const auto& [name, family] : families_) {
    out << "# TYPE " << name << (family.counter ? " counter\n" : " gauge\n");
    for (const auto& [labels, value] : family.series) out << name << labels << ' ' << value << '\n';
  }
  return out.str();
}

}  // namespace katabot
