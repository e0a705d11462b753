#pragma once
// katabot --check-links: the only mode that goes online. Every URL of the knowledge base is fetched
// (see links::probe_link) and each one that does not answer 2xx is printed as
// FILE:LINE:COL: URL: status, where a maintainer fixes it; then a one-line summary.
#include <cstddef>
#include <iosfwd>

#include "bot/cli.hpp"
#include "bot/config.hpp"
#include "bot/links/link_probe.hpp"

namespace katabot {

struct LinkCheckSettings {
  links::LinkProbeSettings probe;
  std::size_t parallel = 4;  // URLs in flight: quick, and polite to the few hosts we link to
};

LinkCheckSettings link_check_settings(const CliOptions& options);

// Exit 0 when every URL answers, 2 when any is broken or the knowledge base does not load.
int check_links(const Config& config, const CliOptions& options, std::ostream& out, std::ostream& err);

}  // namespace katabot
