#include "bot/links/link_probe.hpp"

#include <algorithm>
#include <type_traits>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "bot/net/connect.hpp"
#include "bot/net/no_throw.hpp"

namespace katabot::links {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;
using Deadline = std::chrono::steady_clock::time_point;

namespace {

// Status line and headers; the body is never read (the connection is dropped after the head).
constexpr std::size_t max_head_bytes = 16 * 1024;

struct Answer {
  error_code error;
  Step step = Step::http;
  std::string tls_detail;
  unsigned status = 0;
  std::string location;
};

Answer failed(error_code error, Step step, std::string tls_detail = {}) {
  Answer answer;
  answer.error = error;
  answer.step = step;
  answer.tls_detail = std::move(tls_detail);
  return answer;
}

std::chrono::milliseconds left_until(Deadline deadline) {
  return std::max(std::chrono::milliseconds(0),
                  std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
}

template <class Stream>
asio::awaitable<Answer> ask(Stream& stream, const slack::Url& url, http::verb verb, Deadline deadline) {
  http::request<http::empty_body> request{verb, url.target, 11};
  request.set(http::field::host, authority(url));
  request.set(http::field::user_agent, "katabot-link-checker/" KATABOT_VERSION);
  request.set(http::field::accept, "*/*");
  request.keep_alive(false);
  beast::get_lowest_layer(stream).expires_at(deadline);
  const auto [write_error, written] = co_await http::async_write(stream, request, no_throw);
  if (write_error) co_return failed(write_error, Step::http);
  beast::flat_buffer buffer(max_head_bytes);
  http::response_parser<http::empty_body> parser;
  parser.header_limit(max_head_bytes);
  parser.skip(verb == http::verb::head);
  const auto [read_error, read] = co_await http::async_read_header(stream, buffer, parser, no_throw);
  if (read_error) co_return failed(read_error, Step::http);
  Answer answer;
  answer.status = parser.get().result_int();
  answer.location = std::string(parser.get()[http::field::location]);
  co_return answer;
}

// What the certificate check said, in words; a name or address mismatch names the host asked for.
std::string verification_failure(beast::ssl_stream<beast::tcp_stream>& stream, const std::string& host) {
  const auto result = SSL_get_verify_result(stream.native_handle());
  if (result == X509_V_OK) return {};
  if (result == X509_V_ERR_HOSTNAME_MISMATCH || result == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return "certificate verify failed: the certificate is not for " + host;
  }
  return std::string("certificate verify failed: ") + X509_verify_cert_error_string(result);
}

// Stream: beast::tcp_stream (http://) or beast::ssl_stream<beast::tcp_stream> (https://). Each step
// gets what is left of the URL's one deadline.
template <class Stream>
asio::awaitable<Answer> connect_and_ask(Stream& stream, const slack::Url& url, http::verb verb, Deadline deadline) {
  auto& socket = beast::get_lowest_layer(stream).socket();
  const auto left = left_until(deadline);
  if (auto failure = co_await client::connect_tcp(socket, url.host, url.port, {left, left, left})) {
    co_return failed(failure->code, Step::connect);
  }
  if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
    if (auto error = co_await client::handshake_tls(stream, socket, url.host, left_until(deadline))) {
      co_return failed(error, Step::tls, verification_failure(stream, url.host));
    }
  }
  co_return co_await ask(stream, url, verb, deadline);
}

// One request on a fresh connection (Connection: close): the checker visits each host once or twice.
asio::awaitable<Answer> request_once(asio::ssl::context& tls, const slack::Url& url, http::verb verb, Deadline deadline) {
  const auto executor = co_await asio::this_coro::executor;
  if (!url.secure()) {
    beast::tcp_stream stream(executor);
    co_return co_await connect_and_ask(stream, url, verb, deadline);
  }
  beast::ssl_stream<beast::tcp_stream> stream(executor, tls);
  co_return co_await connect_and_ask(stream, url, verb, deadline);
}

bool refuses_head(unsigned status) { return status == 405 || status == 501; }

}  // namespace

asio::awaitable<LinkResult> probe_link(asio::ssl::context& tls, std::string url_text, LinkProbeSettings settings) {
  const Deadline deadline = std::chrono::steady_clock::now() + settings.timeout;
  for (int redirects = 0;; ++redirects) {
    const auto url = slack::parse_url(url_text);
    if (!url || (url->scheme != "http" && url->scheme != "https")) {
      co_return LinkResult{false, redirects == 0 ? "not an http(s) URL katabot can fetch"
                                                 : "redirected to " + printable(url_text) + ", which katabot cannot fetch"};
    }
    auto answer = co_await request_once(tls, *url, http::verb::head, deadline);
    if (!answer.error && refuses_head(answer.status)) answer = co_await request_once(tls, *url, http::verb::get, deadline);
    if (answer.error) co_return LinkResult{false, describe_failure(answer.error, answer.step, answer.tls_detail)};
    const bool redirect = answer.status >= 300 && answer.status < 400;
    if (redirect && !answer.location.empty()) {
      if (redirects == settings.max_redirects) co_return LinkResult{false, "too many redirects"};
      url_text = resolve_location(*url, answer.location);
      continue;
    }
    auto status = std::to_string(answer.status);
    if (redirect) status += " without a Location";
    if (redirects > 0) status += " (redirected to " + printable(url_text) + ")";
    co_return LinkResult{answer.status >= 200 && answer.status < 300, status};
  }
}

}  // namespace katabot::links
