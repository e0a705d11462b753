#pragma once
// The pure parts of checking a link: which URL to fetch, where a redirect points, and the words
// a maintainer reads for each failure ("404", "timeout", "tls: …", "dns: …").
#include <optional>
#include <string>
#include <string_view>

#include <boost/system/error_code.hpp>

#include "bot/slack/url.hpp"

namespace katabot::links {

struct LinkResult {
  bool ok = false;     // answered 2xx, directly or at the end of its redirects
  std::string status;  // "200", "404", "timeout", "tls: …", "too many redirects", …
};

// The http(s) URL that checks a knowledge URL: webcal:// subscriptions are served over https://;
// mailto: addresses (and anything else) cannot be fetched: nullopt.
std::optional<std::string> fetchable_url(std::string_view url);

// A Location header (absolute, scheme-relative, absolute path or relative path) read against the
// URL that answered with it.
std::string resolve_location(const slack::Url& answered, std::string_view location);

// A URL a server sent (a redirect target), safe to print on a maintainer's terminal: control
// characters (escape sequences) become '?'.
std::string printable(std::string_view url);

// "host" or "host:port" when the port is not the scheme's default: the Host header and what
// people recognise in a URL.
std::string authority(const slack::Url& url);

// Which step of one request failed: it tells "connect: Connection refused" from "tls: …".
enum class Step { connect, tls, http };
// `tls_detail`: the certificate verification result when the handshake failed on it.
std::string describe_failure(const boost::system::error_code& error, Step step, std::string_view tls_detail = {});

}  // namespace katabot::links
