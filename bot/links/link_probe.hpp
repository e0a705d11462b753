#pragma once
// One URL checked the way a browser would reach it: HEAD (GET when a server refuses HEAD with 405
// or 501), redirects followed up to a bound, TLS verified (SNI, chain, host name), and one deadline
// for the whole check so a silent server costs at most `timeout`. Only the answer's head is read.
// Beast stays in the .cpp file.
#include <chrono>
#include <string>

#include <boost/asio/awaitable.hpp>

#include "bot/links/link_status.hpp"

namespace boost::asio::ssl {
class context;
}

namespace katabot::links {

struct LinkProbeSettings {
  std::chrono::milliseconds timeout{10000};  // per URL: connects, handshakes, requests, answer heads, redirects
  int max_redirects = 5;
};

// `url`: http:// or https:// (see fetchable_url). `tls` from client::make_tls_context.
boost::asio::awaitable<LinkResult> probe_link(boost::asio::ssl::context& tls, std::string url,
                                              LinkProbeSettings settings);

}  // namespace katabot::links
