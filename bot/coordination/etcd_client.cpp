#include "bot/coordination/etcd_client.hpp"

#include <functional>
#include <map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <spdlog/spdlog.h>

#include "bot/config.hpp"
#include "bot/net/connect.hpp"
#include "bot/net/no_throw.hpp"
#include "bot/net/tls_context.hpp"
#include "bot/slack/url.hpp"

namespace katabot::coordination {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using boost::system::error_code;

namespace {

constexpr int unauthenticated = 16;  // gRPC code of an expired or unknown auth token
constexpr std::chrono::milliseconds round_pause{100};
// The least an endpoint attempt gets when the call's budget is split over the endpoints left: a
// loopback or LAN member answers well within it, and a slower one gets the rest of the budget
// once the others have failed.
constexpr std::chrono::milliseconds min_attempt{250};

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
using TlsStream = beast::ssl_stream<beast::tcp_stream>;

// The answer of one endpoint: a status and body, or the transport error that prevented it.
struct Answer {
  error_code error;
  int status = 0;
  std::string body;
};

bool is_success(int status) { return status >= 200 && status < 300; }

bool timed_out(const Answer& answer) {
  return answer.error == asio::error::timed_out || answer.error == beast::error::timeout;
}

// Worth trying another member: it may be down, partitioned, or refusing this Host (421).
bool try_elsewhere(const Answer& answer) {
  if (answer.error == http::error::body_limit) return false;  // the same data on every member
  return answer.error || answer.status >= 500 || answer.status == 421 || answer.status == 408 || answer.status == 429;
}

template <class Stream>
asio::awaitable<Answer> exchange(Stream& stream, Request& request, std::chrono::steady_clock::time_point deadline) {
  beast::get_lowest_layer(stream).expires_at(deadline);
  if (const auto [error, written] = co_await http::async_write(stream, request, no_throw); error) co_return Answer{error};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(max_answer_bytes);
  if (const auto [error, read] = co_await http::async_read(stream, buffer, parser, no_throw); error) {
    co_return Answer{error};
  }
  auto response = parser.release();
  co_return Answer{{}, static_cast<int>(response.result_int()), std::move(response.body())};
}

// Reads a streamed answer (chunked, one JSON object a line) and hands each line to `on_line`,
// until it ends, fails, or stays silent for `idle_timeout`.
template <class Stream>
asio::awaitable<Answer> read_lines(Stream& stream, Request& request, std::chrono::milliseconds timeout,
                                  std::chrono::milliseconds idle_timeout, const std::function<void(std::string_view)>& on_line) {
  auto& socket = beast::get_lowest_layer(stream);
  socket.expires_after(timeout);
  if (const auto [error, written] = co_await http::async_write(stream, request, no_throw); error) co_return Answer{error};
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);  // a watch runs for hours; each line is bounded below instead
  if (const auto [error, read] = co_await http::async_read_header(stream, buffer, parser, no_throw); error) {
    co_return Answer{error};
  }
  const auto status = static_cast<int>(parser.get().result_int());
  if (!is_success(status)) co_return Answer{{}, status};
  std::string line;
  auto split_lines = [&](std::uint64_t, beast::string_view data, error_code& error) -> std::size_t {
    for (const char c : data) {
      if (c != '\n') {
        line += c;
        continue;
      }
      on_line(line);
      line.clear();
    }
    if (line.size() > max_answer_bytes) error = http::error::body_limit;
    return data.size();
  };
  parser.on_chunk_body(split_lines);  // Beast keeps a reference: the callback must outlive the reads
  while (!parser.is_done()) {
    socket.expires_after(idle_timeout);
    const auto [error, read] = co_await http::async_read_some(stream, buffer, parser, no_throw);
    if (error == beast::error::timeout) break;  // quiet: the caller opens a fresh watch
    if (error) co_return Answer{error};
  }
  co_return Answer{{}, status};
}

}  // namespace

EtcdClientSettings EtcdClientSettings::from(const EtcdConfig& config, std::chrono::milliseconds request_timeout) {
  return EtcdClientSettings{config.endpoints, config.api_prefix,  config.ca_file,  config.cert_file, config.key_file,
                            config.server_name, config.username, config.password, request_timeout};
}

struct EtcdClient::State {
  asio::any_io_executor executor;
  EtcdClientSettings settings;
  std::vector<slack::Url> endpoints;
  std::shared_ptr<asio::ssl::context> tls;
  std::size_t preferred = 0;  // the endpoint that answered last
  std::string token;          // etcd auth token, when auth is on
  std::size_t next_watch = 0;  // the endpoint the next watch tries
  struct WatchSlot {
    std::function<void()> close;  // set while the watch is open
    bool cancelled = false;
  };
  std::map<std::string, WatchSlot, std::less<>> watches;  // by watched key

  State(asio::any_io_executor executor_, EtcdClientSettings settings_)
      : executor(std::move(executor_)), settings(std::move(settings_)) {
    for (const auto& text : settings.endpoints) {
      if (auto url = slack::parse_url(text)) endpoints.push_back(std::move(*url));
    }
    if (std::any_of(endpoints.begin(), endpoints.end(), [](const auto& url) { return url.secure(); })) {
      tls = client::make_tls_context({.owner = "etcd",
                                      .ca_file = settings.ca_file,
                                      .client_cert = settings.cert_file,
                                      .client_key = settings.key_file});
    }
  }

  // Connects to `url` (TLS when https), every step ending by `deadline`, and hands the stream to `use`.
  template <class Use>
  asio::awaitable<Answer> connected(const slack::Url& url, time_point deadline, Use use) {
    const auto timeout = settings.request_timeout;
    const client::ConnectTimeouts timeouts{timeout, timeout, timeout, deadline};
    if (!url.secure()) {
      beast::tcp_stream stream(executor);
      if (auto failure = co_await client::connect_tcp(stream.socket(), url.host, url.port, timeouts)) {
        co_return Answer{failure->code};
      }
      co_return co_await use(stream);
    }
    TlsStream stream(executor, *tls);
    auto& socket = beast::get_lowest_layer(stream).socket();
    if (auto failure = co_await client::connect_tcp(socket, url.host, url.port, timeouts)) co_return Answer{failure->code};
    const auto& name = settings.server_name.empty() ? url.host : settings.server_name;
    if (auto error = co_await client::handshake_tls(stream, socket, name, timeouts.bounded(timeout))) {
      co_return Answer{error};
    }
    co_return co_await use(stream);
  }

  Request make_request(const slack::Url& url, std::string_view path, std::string body, bool with_token) const {
    Request request{http::verb::post, settings.api_prefix + std::string(path), 11};
    request.set(http::field::host, url.host + ":" + url.port);
    request.set(http::field::content_type, "application/json");
    if (with_token && !token.empty()) request.set(http::field::authorization, token);  // no "Bearer" (etcd#11414)
    request.keep_alive(false);
    request.body() = std::move(body);
    request.prepare_payload();
    return request;
  }

  // How long the attempt on the `left`-th last endpoint of a round may take: an equal share of
  // what is left, so that a member that accepts connections but never answers (SIGSTOPped,
  // overloaded) leaves time for the others; never past the deadline nor request_timeout.
  time_point attempt_deadline(time_point deadline, std::size_t left) const {
    const auto now = std::chrono::steady_clock::now();
    const auto share = std::max<std::chrono::steady_clock::duration>((deadline - now) / static_cast<int>(left), min_attempt);
    return std::min({deadline, now + share, now + settings.request_timeout});
  }

  // The endpoints in turn, from the preferred one, round after round until one answers or the
  // deadline passes: while the members elect a new raft leader (a second or two) every one of
  // them times out, and the next round gets through. An endpoint that fails stops being the
  // preferred one, so the next call starts with another member instead of waiting on it again.
  // When none answers, the caller hears the failure that names a cause (a certificate for another
  // name, HTTP 503) rather than the time-out of an attempt the deadline cut short.
  asio::awaitable<Answer> post_anywhere(std::string_view path, const std::string& body, time_point deadline,
                                       bool with_token) {
    Answer telling{asio::error::timed_out};
    asio::steady_timer pause(executor);
    const auto first = preferred;
    for (std::size_t attempt = 0;; ++attempt) {
      if (attempt != 0 && attempt % endpoints.size() == 0) {
        // A whole round refused at once (all down): do not spin until the deadline.
        pause.expires_at(std::min(deadline, std::chrono::steady_clock::now() + round_pause));
        co_await pause.async_wait(no_throw);
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) break;
      const auto index = (first + attempt) % endpoints.size();
      const auto& url = endpoints[index];
      auto request = make_request(url, path, body, with_token);
      const auto until = attempt_deadline(deadline, endpoints.size() - attempt % endpoints.size());
      auto answer = co_await connected(url, until, [&](auto& stream) { return exchange(stream, request, until); });
      if (!try_elsewhere(answer)) {
        preferred = index;
        co_return answer;
      }
      if (preferred == index) preferred = (index + 1) % endpoints.size();
      spdlog::debug("etcd: {}{}: {}", url.origin(), path,
                    answer.error ? answer.error.message() : "HTTP " + std::to_string(answer.status));
      if (!timed_out(answer) || timed_out(telling)) telling = std::move(answer);
    }
    co_return telling;
  }

  asio::awaitable<Answer> post(std::string_view path, const std::string& body, time_point deadline) {
    const bool auth = !settings.username.empty();
    for (int round = 0; round < 2; ++round) {
      if (auth && token.empty()) {
        auto answer = co_await post_anywhere("/auth/authenticate",
                                             authenticate_body(settings.username, settings.password), deadline, false);
        if (answer.error || !is_success(answer.status)) co_return answer;
        auto decoded = decode_token(answer.body);
        if (!decoded.value) co_return Answer{{}, 401, decoded.error};
        token = std::move(*decoded.value);
      }
      auto answer = co_await post_anywhere(path, body, deadline, true);
      const auto error = answer.error ? std::nullopt : decode_gateway_error(answer.body);
      if (!auth || (answer.status != 401 && !(error && error->code == unauthenticated))) co_return answer;
      token.clear();  // simple tokens expire (--auth-token-ttl): sign in again once
    }
    co_return Answer{{}, 401, "etcd keeps refusing the auth token"};
  }

  asio::awaitable<Failure> watch(std::string key, std::string body, std::function<void(const WatchMessage&)> on_message,
                                 std::chrono::milliseconds idle_timeout) {
    if (endpoints.empty()) co_return Failure::unreachable;
    const auto& url = endpoints[next_watch++ % endpoints.size()];
    auto request = make_request(url, "/watch", std::move(body), true);
    const auto on_line = [&](std::string_view line) {
      if (line.empty()) return;
      if (const auto message = decode_watch(line); message.value) on_message(*message.value);
    };
    watches[key].cancelled = false;
    const auto connect_by = std::chrono::steady_clock::now() + settings.request_timeout;
    const auto answer = co_await connected(url, connect_by, [&](auto& stream) -> asio::awaitable<Answer> {
      auto& slot = watches[key];
      if (slot.cancelled) co_return Answer{asio::error::operation_aborted};  // while connecting
      slot.close = [&stream] { beast::get_lowest_layer(stream).close(); };
      co_return co_await read_lines(stream, request, settings.request_timeout, idle_timeout, on_line);
    });
    watches.erase(key);
    if (answer.error) co_return Failure::unreachable;
    if (!is_success(answer.status)) co_return try_elsewhere(answer) ? Failure::unreachable : Failure::rejected;
    co_return Failure::none;
  }

  template <class T, class Decode>
  asio::awaitable<Outcome<T>> call(std::string_view path, const std::string& body, time_point deadline, Decode decode) {
    const auto answer = co_await post(path, body, deadline);
    if (answer.error == http::error::body_limit) {
      co_return Outcome<T>{std::nullopt, Failure::too_large, "answer over " + std::to_string(max_answer_bytes) + " bytes"};
    }
    if (answer.error) co_return Outcome<T>{std::nullopt, Failure::unreachable, answer.error.message()};
    if (!is_success(answer.status)) {
      const auto error = decode_gateway_error(answer.body);
      const auto detail = "HTTP " + std::to_string(answer.status) + (error ? ": " + error->message : std::string());
      if (error && error->code == 5) co_return Outcome<T>{std::nullopt, Failure::not_found, detail};
      co_return Outcome<T>{std::nullopt, try_elsewhere(answer) ? Failure::unreachable : Failure::rejected, detail};
    }
    auto decoded = decode(answer.body);
    if (!decoded.value) co_return Outcome<T>{std::nullopt, Failure::unreadable, decoded.error};
    co_return Outcome<T>{std::move(decoded.value), Failure::none, {}};
  }
};

EtcdClient::EtcdClient(asio::any_io_executor executor, EtcdClientSettings settings)
    : state_(std::make_shared<State>(std::move(executor), std::move(settings))) {}

EtcdClient::~EtcdClient() = default;

asio::awaitable<Outcome<LeaseGrant>> EtcdClient::grant(std::int64_t ttl_seconds, time_point deadline) {
  co_return co_await state_->call<LeaseGrant>("/lease/grant", lease_grant_body(ttl_seconds), deadline, decode_lease_grant);
}

asio::awaitable<Outcome<KeepAlive>> EtcdClient::keepalive(std::int64_t lease_id, time_point deadline) {
  // A stream on the gateway: our one request gets one line back, then the body ends.
  co_return co_await state_->call<KeepAlive>("/lease/keepalive", lease_id_body(lease_id), deadline, [](std::string_view body) {
    return decode_keepalive(body.substr(0, body.find('\n')));
  });
}

asio::awaitable<Outcome<bool>> EtcdClient::revoke(std::int64_t lease_id, time_point deadline) {
  co_return co_await state_->call<bool>("/lease/revoke", lease_id_body(lease_id), deadline,
                                        [](std::string_view) { return Decoded<bool>{true, {}}; });
}

asio::awaitable<Outcome<TxnResult>> EtcdClient::txn(std::string body, time_point deadline) {
  co_return co_await state_->call<TxnResult>("/kv/txn", body, deadline, decode_txn);
}

asio::awaitable<Outcome<RangeResult>> EtcdClient::range(std::string_view key, time_point deadline, std::int64_t revision) {
  co_return co_await state_->call<RangeResult>("/kv/range", range_body(key, revision), deadline, decode_range);
}

asio::awaitable<Failure> EtcdClient::watch(std::string_view key, std::function<void(const WatchMessage&)> on_message,
                                          std::chrono::milliseconds idle_timeout) {
  const auto state = state_;  // the client may be destroyed while a watch runs
  co_return co_await state->watch(std::string(key), watch_body(key, 0), std::move(on_message), idle_timeout);
}

asio::awaitable<Failure> EtcdClient::watch_prefix(std::string_view prefix,
                                                 std::function<void(const WatchMessage&)> on_message,
                                                 std::chrono::milliseconds idle_timeout) {
  const auto state = state_;
  co_return co_await state->watch(std::string(prefix), prefix_watch_body(prefix), std::move(on_message), idle_timeout);
}

void EtcdClient::cancel_watch(std::string_view key) {
  auto& slot = state_->watches[std::string(key)];
  slot.cancelled = true;
  if (slot.close) slot.close();
}

asio::awaitable<Outcome<std::int64_t>> EtcdClient::remove(std::string_view key, time_point deadline) {
  co_return co_await state_->call<std::int64_t>("/kv/deleterange", delete_body(key), deadline, decode_write_revision);
}

asio::awaitable<Outcome<RangeResult>> EtcdClient::range_page(std::string_view prefix, RangePage page,
                                                            time_point deadline) {
  co_return co_await state_->call<RangeResult>("/kv/range", prefix_page_body(prefix, page), deadline, decode_range);
}

asio::awaitable<Outcome<std::int64_t>> EtcdClient::put(std::string_view key, std::string_view value, time_point deadline) {
  co_return co_await state_->call<std::int64_t>("/kv/put", put_body(key, value), deadline, decode_write_revision);
}

}  // namespace katabot::coordination
