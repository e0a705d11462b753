#include "bot/slack/web_api_client.hpp"
#include "bot/net/no_throw.hpp"

#include <cctype>
#include <charconv>
#include <map>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/backoff_sleep.hpp"
#include "bot/slack/channel_pacer.hpp"
#include "bot/slack/json_fields.hpp"
#include "bot/slack/redact.hpp"
#include "bot/slack/tls_connect.hpp"
#include "bot/slack/url.hpp"

namespace katabot::slack {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr std::uint64_t max_response_bytes = 1024 * 1024;
const Labels slack_labels = {{"platform", "slack"}};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// One keep-alive HTTP connection, plain or TLS.
class HttpConnection {
 public:
  virtual ~HttpConnection() = default;
  virtual asio::awaitable<error_code> open(const Url& url, std::chrono::milliseconds timeout) = 0;
  // `written`: the whole request went out, so the server may have acted on it whatever follows.
  virtual asio::awaitable<error_code> exchange(Request& request, Response& response, std::chrono::milliseconds timeout,
                                              bool& written) = 0;
};

template <class Stream>
asio::awaitable<error_code> exchange_on(Stream& stream, beast::flat_buffer& buffer, Request& request, Response& response,
                                      std::chrono::milliseconds timeout, bool& written) {
  beast::get_lowest_layer(stream).expires_after(timeout);
  const auto [write_error, bytes] = co_await http::async_write(stream, request, no_throw);
  if (write_error) co_return write_error;
  written = true;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_response_bytes);
  beast::get_lowest_layer(stream).expires_after(timeout);
  const auto [read_error, read] = co_await http::async_read(stream, buffer, parser, no_throw);
  if (read_error) co_return read_error;
  response = parser.release();
  beast::get_lowest_layer(stream).expires_never();
  co_return error_code{};
}

// Stream: beast::tcp_stream (http://) or beast::ssl_stream<beast::tcp_stream> (https://).
template <class Stream>
class StreamConnection final : public HttpConnection {
 public:
  template <class... StreamArguments>
  explicit StreamConnection(StreamArguments&&... arguments) : stream_(std::forward<StreamArguments>(arguments)...) {}
  asio::awaitable<error_code> open(const Url& url, std::chrono::milliseconds timeout) override {
    co_return co_await open_stream(stream_, url, timeout);
  }
  asio::awaitable<error_code> exchange(Request& request, Response& response, std::chrono::milliseconds timeout,
                                      bool& written) override {
    co_return co_await exchange_on(stream_, buffer_, request, response, timeout, written);
  }

 private:
  Stream stream_;
  beast::flat_buffer buffer_;
};

bool closed_by_peer(const error_code& error) {
  return error == http::error::end_of_stream || error == asio::error::eof || error == asio::error::connection_reset ||
         error == asio::error::broken_pipe;
}

std::string form_encode(const nlohmann::json& fields) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  if (!fields.is_object()) return out;
  for (const auto& [key, value] : fields.items()) {
    if (!out.empty()) out += '&';
    const auto text = value.is_string() ? value.get<std::string>() : value.dump();
    for (const auto* part : {&key, &text}) {
      for (const unsigned char c : *part) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
          out += static_cast<char>(c);
        } else {
          out += '%';
          out += hex[c >> 4];
          out += hex[c & 15];
        }
      }
      if (part == &key) out += '=';
    }
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  unsigned seconds = 0;
  const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (error != std::errc() || end == value.data()) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// Slack's ok:false codes that mean "try again later" rather than "this will never work".
bool retryable_error(std::string_view error) {
  return error == "internal_error" || error == "service_unavailable" || error == "request_timeout" ||
         error == "fatal_error" || error == "ratelimited" || error == "rate_limited";
}

// Of those, the ones where Slack may have done part of the work before failing.
bool maybe_done_error(std::string_view error) {
  return error == "internal_error" || error == "service_unavailable" || error == "request_timeout" ||
         error == "fatal_error";
}

std::string_view hint_for(std::string_view error) {
  if (error == "not_in_channel") return " (invite the bot first: /invite @katabot)";
  if (error == "invalid_auth" || error == "not_authed" || error == "token_revoked" || error == "account_inactive") {
    return " (check SLACK_BOT_TOKEN / SLACK_APP_TOKEN and that the app is installed)";
  }
  if (error == "missing_scope") return " (add the scope in deploy/slack-app-manifest.yaml and reinstall)";
  if (error == "channel_not_found") return " (wrong channel id, or a private channel the bot is not in)";
  return "";
}

}  // namespace

struct WebApiClient::State {
  State(asio::any_io_executor executor, std::string api_base, Metrics& metrics, std::shared_ptr<asio::ssl::context> tls,
        WebApiSettings settings)
      : executor(std::move(executor)),
        api_base(std::move(api_base)),
        metrics(metrics),
        settings(settings),
        tls(std::move(tls)),
        pacer(settings.post_spacing) {}

  asio::any_io_executor executor;
  std::string api_base;
  Metrics& metrics;
  WebApiSettings settings;
  std::shared_ptr<asio::ssl::context> tls;
  ChannelPacer pacer;
  std::map<std::string, std::vector<std::unique_ptr<HttpConnection>>> idle;  // by origin

  std::unique_ptr<HttpConnection> make_connection(const Url& url) {
    if (url.secure()) return std::make_unique<StreamConnection<beast::ssl_stream<beast::tcp_stream>>>(executor, *tls);
    return std::make_unique<StreamConnection<beast::tcp_stream>>(executor);
  }

  struct Sent {
    error_code error;
    Response response;
    bool written = false;  // the request went out whole: an error after it leaves its effect unknown
    bool refused_by_gate = false;  // may_send said no: nothing was written
  };

  // One HTTP exchange, on a kept-alive connection when there is one. A kept-alive connection the
  // server closed meanwhile is usually no failure and the request is sent again on a fresh one —
  // unless `retries` is Retries::unless_ambiguous: from the client's side that close looks exactly
  // like a server that took the request and died before answering.
  // `may_send` is asked after the connection is open (a connect may take request_timeout), right
  // before the request is written.
  asio::awaitable<Sent> send(const Url& url, Request request, Retries retries, const std::function<bool()>& may_send) {
    const auto timeout = settings.request_timeout;
    for (int fresh_tries = 0; fresh_tries < 2; ++fresh_tries) {
      std::unique_ptr<HttpConnection> connection;
      bool reused = false;
      if (auto& pool = idle[url.origin()]; !pool.empty()) {
        connection = std::move(pool.back());
        pool.pop_back();
        reused = true;
      } else {
        connection = make_connection(url);
        if (auto error = co_await connection->open(url, timeout)) co_return Sent{error, {}, false};
      }
      Sent sent;
      if (may_send && !may_send()) {
        if (idle[url.origin()].size() < settings.max_idle_connections) idle[url.origin()].push_back(std::move(connection));
        sent.refused_by_gate = true;
        co_return sent;
      }
      sent.error = co_await connection->exchange(request, sent.response, timeout, sent.written);
      if (sent.error) {
        if (reused && closed_by_peer(sent.error) && retries != Retries::unless_ambiguous) continue;
        co_return sent;
      }
      if (sent.response.keep_alive() && idle[url.origin()].size() < settings.max_idle_connections) {
        idle[url.origin()].push_back(std::move(connection));
      }
      co_return sent;
    }
    co_return Sent{error_code(asio::error::connection_reset), {}, true};
  }

  // One POST, retried as the answer asks. `web_api`: the body is Slack JSON whose "ok" decides.
  static asio::awaitable<ApiResult> post_json(std::shared_ptr<State> state, std::string_view what,
                                             const std::string& url_text, const std::string* token,
                                             const nlohmann::json& body, Retries retries, bool web_api,
                                             Encoding encoding, std::function<bool()> may_send = {});
};

WebApiClient::WebApiClient(asio::any_io_executor executor, std::string api_base, Metrics& metrics,
                           std::shared_ptr<asio::ssl::context> tls, WebApiSettings settings)
    : state_(std::make_shared<State>(std::move(executor), std::move(api_base), metrics, std::move(tls), settings)) {}

WebApiClient::~WebApiClient() = default;

void WebApiClient::close_idle() { state_->idle.clear(); }


asio::awaitable<ApiResult> WebApiClient::call(std::string method, const std::string& token, nlohmann::json body,
                                             Retries retries, Encoding encoding) {
  co_return co_await State::post_json(state_, method, method_url(state_->api_base, method), &token, body, retries, true,
                                      encoding);
}

asio::awaitable<ApiResult> WebApiClient::post_message(const std::string& token, nlohmann::json message,
                                                     std::function<bool()> may_send) {
  const auto channel = message.value("channel", std::string());
  const auto slot = state_->pacer.reserve(channel, std::chrono::steady_clock::now());
  if (slot > std::chrono::steady_clock::now()) {
    asio::steady_timer timer(state_->executor);
    timer.expires_at(slot);
    co_await timer.async_wait(no_throw);
  }
  co_return co_await State::post_json(state_, "chat.postMessage", method_url(state_->api_base, "chat.postMessage"),
                                      &token, message, Retries::unless_ambiguous, true, Encoding::json,
                                      std::move(may_send));
}

asio::awaitable<ApiResult> WebApiClient::post_to_url(std::string url, nlohmann::json body) {
  co_return co_await State::post_json(state_, "response_url", url, nullptr, body, Retries::on, false,
                                      Encoding::json);
}

asio::awaitable<ApiResult> WebApiClient::State::post_json(std::shared_ptr<State> state, std::string_view what,
                                    const std::string& url_text, const std::string* token, const nlohmann::json& body,
                                    Retries retries, bool web_api, Encoding encoding,
                                    std::function<bool()> may_send) {
  ApiResult result;
  const auto url = parse_url(url_text);
  if (!url || (url->scheme != "http" && url->scheme != "https")) {
    result.error = "bad_url";
    spdlog::warn("slack: {}: not an http(s) URL: {}", what, redact_secrets(url_text));
    co_return result;
  }
  Request request{http::verb::post, url->target, 11};
  request.set(http::field::host, url->host);
  request.set(http::field::user_agent, "katabot");
  request.set(http::field::content_type, encoding == Encoding::json ? "application/json; charset=utf-8"
                                                                    : "application/x-www-form-urlencoded");
  if (token) request.set(http::field::authorization, "Bearer " + *token);
  request.keep_alive(true);
  request.body() = encoding == Encoding::json ? body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                                              : form_encode(body);
  request.prepare_payload();

  Backoff backoff(state->settings.first_retry, state->settings.max_retry);
  int failures = 0;
  int rate_limited = 0;
  asio::steady_timer timer(state->executor);
  for (;;) {
    result = ApiResult{};
    auto [error, response, written, refused_by_gate] = co_await state->send(*url, request, retries, may_send);
    if (refused_by_gate) {
      result.error = not_leader_error;
      spdlog::warn("slack: {}: not sent, this replica may no longer post it (not the leader)", what);
      co_return result;
    }
    if (error) {
      result.error = error.message();
      result.ambiguous = written;
      spdlog::warn("slack: {}: {}", what, result.error);
      ++failures;
    } else {
      result.http_status = static_cast<int>(response.result_int());
      auto parsed = nlohmann::json::parse(response.body(), nullptr, false);
      if (!parsed.is_discarded()) result.body = std::move(parsed);
      result.error = string_field(result.body, "error");
      if (result.http_status == 429) {
        result.retry_after = parse_retry_after(response[http::field::retry_after]).value_or(std::chrono::seconds(5));
        if (result.error.empty()) result.error = "ratelimited";
        spdlog::warn("slack: {}: rate limited, Slack asks to wait {} ms", what, result.retry_after->count());
        if (retries == Retries::off || ++rate_limited > state->settings.max_rate_limited_waits) co_return result;
        state->metrics.increment("katabot_rate_limit_waits_total", slack_labels);
        if (!co_await sleep_cancellable(timer, std::min(*result.retry_after, state->settings.max_retry_after))) {
          co_return result;
        }
        continue;
      }
      if (result.http_status >= 500) {
        if (result.error.empty()) result.error = "http_" + std::to_string(result.http_status);
        result.ambiguous = true;
        spdlog::warn("slack: {}: HTTP {} {}", what, result.http_status, result.error);
        ++failures;
      } else if (result.http_status < 200 || result.http_status >= 300) {
        if (result.error.empty()) result.error = "http_" + std::to_string(result.http_status);
        spdlog::warn("slack: {} failed: HTTP {} {}", what, result.http_status, result.error);
        co_return result;
      } else if (!web_api) {
        result.ok = true;
        co_return result;
      } else if (true_field(result.body, "ok")) {
        result.ok = true;
        co_return result;
      } else {
        if (result.error.empty()) result.error = "invalid_response";
        spdlog::warn("slack: {} failed: {}{}", what, result.error, hint_for(result.error));
        if (!retryable_error(result.error)) co_return result;
        result.ambiguous = maybe_done_error(result.error);
        ++failures;
      }
    }
    if (retries == Retries::off || failures >= state->settings.max_attempts) co_return result;
    if (retries == Retries::unless_ambiguous && result.ambiguous) co_return result;
    if (!co_await sleep_with_backoff(timer, backoff, "slack: " + std::string(what) + ": retrying")) co_return result;
  }
}

}  // namespace katabot::slack
