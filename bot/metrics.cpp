#include "bot/metrics.hpp"

#include <cmath>
#include <sstream>
#include <utility>

namespace katabot {
namespace {

std::string_view type_name(MetricType type) {
  switch (type) {
    case MetricType::counter: return "counter";
    case MetricType::gauge: return "gauge";
    case MetricType::summary: return "summary";
  }
  return "untyped";
}

}  // namespace

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

Metrics::Family& Metrics::family(std::string_view name, MetricType type_if_undescribed) {
  auto& family = families_[std::string(name)];
  if (!family.described) family.type = type_if_undescribed;
  return family;
}

void Metrics::describe(std::string_view name, MetricType type, std::string help) {
  auto& family = families_[std::string(name)];
  family.type = type;
  family.described = true;
  family.help = std::move(help);
}

void Metrics::increment(std::string_view name, const Labels& labels, double by) {
  family(name, MetricType::counter).series[render_labels(labels)] += by;
}

void Metrics::set_gauge(std::string_view name, const Labels& labels, double value) {
  family(name, MetricType::gauge).series[render_labels(labels)] = value;
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
    if (!family.help.empty()) out << "# HELP " << name << ' ' << family.help << '\n';
    out << "# TYPE " << name << ' ' << type_name(family.type) << '\n';
    for (const auto& [labels, value] : family.series) out << name << labels << ' ' << value << '\n';
  }
  return out.str();
}

}  // namespace katabot
