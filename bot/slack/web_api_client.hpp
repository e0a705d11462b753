#pragma once
// Slack's Web API over HTTP/1.1 with keep-alive: JSON bodies, Bearer tokens, chat.postMessage paced
// per channel, HTTP 429 answered by waiting Retry-After, 5xx / network errors / retryable ok:false
// answers retried with backoff, every failure logged once with the method and Slack's error code.
// https:// in production (SNI, certificate and host name verified); http:// only because tests
// point api_base at a loopback fake. Beast stays in the .cpp file.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include "bot/metrics.hpp"

namespace boost::asio::ssl {
class context;
}

namespace katabot::slack {

struct ApiResult {
  bool ok = false;      // HTTP 2xx and, for Web API methods, "ok": true
  int http_status = 0;  // 0 when no HTTP answer arrived
  std::string error;    // Slack's error code, or what went wrong on the way
  std::optional<std::chrono::milliseconds> retry_after;  // from a 429
  // The request reached Slack and may have been carried out although it failed: no answer after
  // it was written (timeout, reset), HTTP 5xx, internal_error / fatal_error / … .
  bool ambiguous = false;
  nlohmann::json body;  // the parsed answer when it was JSON
};

// ApiResult::error of a post whose Reply::may_send said no: nothing was sent.
inline constexpr std::string_view not_leader_error = "not leader";

struct WebApiSettings {
  std::chrono::milliseconds request_timeout{10000};  // connect + TLS + request + response, each step
  int max_attempts = 4;                              // for 5xx, network errors, retryable ok:false
  int max_rate_limited_waits = 5;                    // 429s honoured for one call before giving up
  std::chrono::milliseconds first_retry{250};
  std::chrono::milliseconds max_retry{8000};
  std::chrono::milliseconds max_retry_after{std::chrono::minutes(2)};
  std::chrono::milliseconds post_spacing{1000};       // chat.postMessage per channel
  std::size_t max_idle_connections = 4;              // kept alive per origin
};

// unless_ambiguous: retried only where the request surely had no effect (connect failures, 429,
// ratelimited); an ambiguous failure is returned at once (chat.postMessage must not post twice).
enum class Retries { on, off, unless_ambiguous };
// Slack's read methods (users.info) take form fields; write methods take JSON.
enum class Encoding { json, form };

class WebApiClient {
 public:
  // `tls` (from make_client_tls_context) is shared with the Socket Mode links.
  WebApiClient(boost::asio::any_io_executor executor, std::string api_base, Metrics& metrics,
               std::shared_ptr<boost::asio::ssl::context> tls, WebApiSettings settings = {});
  ~WebApiClient();
  WebApiClient(const WebApiClient&) = delete;
  WebApiClient& operator=(const WebApiClient&) = delete;

  // POST {api_base}{method} with `body` as JSON and `token` as Bearer. With Retries::off one
  // attempt is made and a 429 is returned to the caller (apps.connections.open: the connection
  // state machine owns that backoff).
  boost::asio::awaitable<ApiResult> call(std::string method, const std::string& token, nlohmann::json body,
                                         Retries retries = Retries::on, Encoding encoding = Encoding::json);
  // chat.postMessage, waiting for the channel's next free slot (about one per second). Never
  // repeated after an ambiguous failure: the caller decides (see exactly_once_post.hpp).
  // `may_send` (Reply::may_send), when set, is asked right before each write of the request; a
  // false fails the call with error not_leader_error, nothing sent.
  boost::asio::awaitable<ApiResult> post_message(const std::string& token, nlohmann::json message,
                                                 std::function<bool()> may_send = {});
  // A slash command's response_url: JSON POST, no token; answers are "ok" text, not Web API JSON.
  boost::asio::awaitable<ApiResult> post_to_url(std::string url, nlohmann::json body);

  // Drops idle keep-alive connections (shutdown).
  void close_idle();

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace katabot::slack
