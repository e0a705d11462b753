#include "bot/link_checker.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>
#include <string_view>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include "bot/net/tls_context.hpp"
#include "bot/net/tls_files.hpp"
#include "handlers/command_registry.hpp"
#include "knowledge/knowledge_base.hpp"
#include "knowledge/url_places.hpp"

namespace katabot {
namespace {

namespace asio = boost::asio;

// More distinct URLs than a community page could hold means the files are wrong; at 4 in flight
// and 10 s each this still ends within the hour.
constexpr std::size_t max_distinct_urls = 1000;

std::vector<UrlPlace> url_places_in(const std::filesystem::path& dir, Diagnostics& diagnostics) {
  std::vector<UrlPlace> places;
  for (const char* name : {"topics.yaml", "meetings.yaml"}) {
    const auto file = (dir / name).string();
    std::ifstream in(file, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    auto found = find_url_places(text.str(), file, diagnostics);
    places.insert(places.end(), std::make_move_iterator(found.begin()), std::make_move_iterator(found.end()));
  }
  return places;
}

// Workers take the next unchecked URL until none is left: at most `parallel` in flight.
struct CheckQueue {
  const std::vector<std::string>& urls;
  std::vector<links::LinkResult>& results;
  std::size_t next = 0;
};

asio::awaitable<void> check_in_turn(CheckQueue& queue, asio::ssl::context& tls, links::LinkProbeSettings settings) {
  while (queue.next < queue.urls.size()) {
    const auto index = queue.next++;
    queue.results[index] = co_await links::probe_link(tls, *links::fetchable_url(queue.urls[index]), settings);
  }
}

std::vector<links::LinkResult> check_all(const std::vector<std::string>& urls, asio::ssl::context& tls,
                                         const LinkCheckSettings& settings) {
  asio::io_context io;
  std::vector<links::LinkResult> results(urls.size());
  CheckQueue queue{urls, results};
  for (std::size_t worker = 0; worker < std::min(settings.parallel, urls.size()); ++worker) {
    asio::co_spawn(io, check_in_turn(queue, tls, settings.probe), [](const std::exception_ptr& failure) {
      if (failure) std::rethrow_exception(failure);
    });
  }
  io.run();
  return results;
}

std::string counted(std::size_t count, std::string_view one, std::string_view many) {
  return std::to_string(count) + " " + std::string(count == 1 ? one : many);
}

// Checked up front so that a wrong file is one clear line, not a "certificate verify failed" per URL.
bool ca_file_loads(const std::string& ca_file, std::ostream& err) {
  const auto problem = client::ca_bundle_problem(ca_file);
  if (problem) err << "katabot: --ca-file " << ca_file << ": cannot load it as PEM certificates: " << *problem << "\n";
  return !problem;
}

struct UrlsToFetch {
  std::vector<std::string> distinct;  // in file order; each fetched once however often it is written
  std::size_t mail_addresses = 0;     // mailto: places, counted and skipped
};

UrlsToFetch urls_to_fetch(const std::vector<UrlPlace>& places) {
  UrlsToFetch urls;
  for (const auto& place : places) {
    if (!links::fetchable_url(place.url)) {
      ++urls.mail_addresses;
    } else if (std::find(urls.distinct.begin(), urls.distinct.end(), place.url) == urls.distinct.end()) {
      urls.distinct.push_back(place.url);
    }
  }
  return urls;
}

// Every place of every broken URL, in file order, then the summary. Returns how many URLs are broken.
std::size_t report(const std::vector<UrlPlace>& places, const UrlsToFetch& urls,
                   const std::vector<links::LinkResult>& results, std::ostream& out) {
  std::map<std::string_view, const links::LinkResult*> result_of;
  for (std::size_t i = 0; i < urls.distinct.size(); ++i) result_of[urls.distinct[i]] = &results[i];
  for (const auto& place : places) {
    const auto found = result_of.find(place.url);
    if (found == result_of.end() || found->second->ok) continue;
    out << place.file << ":" << place.line << ":" << place.column << ": " << place.url << ": " << found->second->status
        << "\n";
  }
  const auto broken =
      static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [](const auto& result) { return !result.ok; }));
  out << counted(urls.distinct.size(), "URL", "URLs") << " checked in "
      << counted(places.size() - urls.mail_addresses, "place", "places") << ": "
      << (broken == 0 ? "all answer" : std::to_string(broken) + " broken");
  if (urls.mail_addresses > 0) {
    out << "; " << counted(urls.mail_addresses, "mailto: address", "mailto: addresses") << " skipped (mail cannot be checked)";
  }
  out << "\n";
  return broken;
}

}  // namespace

LinkCheckSettings link_check_settings(const CliOptions& options) {
  LinkCheckSettings settings;
  if (options.link_timeout) settings.probe.timeout = *options.link_timeout;
  return settings;
}

int check_links(const Config& config, const CliOptions& options, std::ostream& out, std::ostream& err) {
  const auto dir = config.bot.knowledge_dir.lexically_normal();  // file names as people type them
  Diagnostics diagnostics;
  const CommandRegistry registry;
  const auto places = KnowledgeBase::load(dir, registry.reserved_words(), diagnostics) ? url_places_in(dir, diagnostics)
                                                                                        : std::vector<UrlPlace>{};
  for (const auto& diagnostic : diagnostics) err << diagnostic.to_string() << "\n";
  if (!diagnostics.empty()) return 2;
  const auto ca_file = options.ca_file.value_or(std::filesystem::path()).string();
  if (!ca_file.empty() && !ca_file_loads(ca_file, err)) return 2;

  const auto urls = urls_to_fetch(places);
  if (urls.distinct.size() > max_distinct_urls) {
    err << "katabot: " << dir.string() << " mentions " << urls.distinct.size()
        << " different URLs; --check-links checks at most " << max_distinct_urls << "\n";
    return 2;
  }
  const auto settings = link_check_settings(options);
  err << "katabot: checking " << counted(urls.distinct.size(), "URL", "URLs") << " of " << dir.string() << ", "
      << settings.parallel << " at a time, "
      << std::chrono::duration_cast<std::chrono::seconds>(settings.probe.timeout).count() << " s at most each\n";
  const auto tls = client::make_tls_context({.owner = "--check-links", .ca_file = ca_file});
  const auto results = check_all(urls.distinct, *tls, settings);
  return report(places, urls, results, out) == 0 ? 0 : 2;
}

}  // namespace katabot
