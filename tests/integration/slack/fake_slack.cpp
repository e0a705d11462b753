#include "fake_slack.hpp"

#include <array>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/write.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket.hpp>
#include "bot/net/no_throw.hpp"

namespace katabot::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

std::string url_decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}
}  // namespace

nlohmann::json FakeCall::json() const {
  if (content_type.find("json") != std::string::npos) return nlohmann::json::parse(body, nullptr, false);
  nlohmann::json fields = nlohmann::json::object();
  std::size_t start = 0;
  while (start < body.size()) {
    auto end = body.find('&', start);
    if (end == std::string::npos) end = body.size();
    const auto pair = std::string_view(body).substr(start, end - start);
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos) fields[url_decode(pair.substr(0, equals))] = url_decode(pair.substr(equals + 1));
    start = end + 1;
  }
  return fields;
}

struct Connection {
  int id = 0;
  websocket::stream<beast::tcp_stream> ws;
  std::deque<std::pair<std::string, bool>> outgoing;  // data, binary
  bool writing = false;
  bool silent = false;
  explicit Connection(tcp::socket socket) : ws(std::move(socket)) {}
};

struct Pending {
  nlohmann::json frame;
  int attempts = 0;
  std::shared_ptr<asio::steady_timer> timer;
  Clock::time_point sent;
};

struct FakeSlack::Impl {
  asio::io_context io;
  tcp::acceptor acceptor{io};
  std::thread thread;
  std::uint16_t port = 0;  // the one in URLs: the TLS front's in TLS mode
  std::unique_ptr<asio::ssl::context> tls;
  tcp::acceptor tls_acceptor{io};
  std::uint16_t plain_port = 0;

  // Shared with the test thread.
  mutable std::mutex mutex;
  std::condition_variable changed;
  std::vector<FakeAck> acks;
  std::vector<FakeCall> calls;
  std::vector<FakeConnectionInfo> infos;
  int hellos = 0;
  std::size_t rejected_tickets = 0;
  std::size_t http_connection_count = 0;
  std::size_t tls_handshake_count = 0;
  std::size_t tls_failure_count = 0;
  struct Scripted {
    int status = 200;
    std::string error;
    int retry_after = -1;  // seconds; -1: no header
    std::optional<nlohmann::json> body;  // answered as is instead of {"ok":false,"error":error}
  };
  std::map<std::string, std::deque<Scripted>> scripted;  // method → the next answers
  std::map<std::string, int> held;                       // method → calls still to leave unanswered
  std::map<std::string, int> dropped;                    // method → calls to carry out, then hang up
  // chat.postMessage bodies Slack took (answered, held or dropped after storing), by channel, oldest first.
  std::map<std::string, std::vector<nlohmann::json>> channel_history;
  std::size_t history_reads = 0;
  int failing_opens = 0;
  std::optional<nlohmann::json> before_hello;
  int max_connections = 10;
  std::chrono::milliseconds redelivery_delay{3000};

  // The io thread's own.
  int next_ticket = 0;
  std::map<std::string, bool> tickets;  // ticket → used
  std::map<int, std::shared_ptr<Connection>> open;
  std::map<std::string, Pending> pending;
  int next_connection = 0;
  int next_ts = 0;

  void notify() { changed.notify_all(); }

  template <class F>
  void run_on_io(F&& function) {
    asio::post(io, std::forward<F>(function));
  }

  FakeConnectionInfo& info(int id) { return infos[static_cast<std::size_t>(id - 1)]; }

  std::shared_ptr<Connection> newest() {
    for (auto it = open.rbegin(); it != open.rend(); ++it) {
      if (!it->second->silent) return it->second;
    }
    return nullptr;
  }

  void enqueue(const std::shared_ptr<Connection>& connection, std::string data, bool binary = false) {
    connection->outgoing.emplace_back(std::move(data), binary);
    if (!connection->writing) asio::co_spawn(io, write_loop(connection), asio::detached);
  }

  asio::awaitable<void> write_loop(std::shared_ptr<Connection> connection) {
    connection->writing = true;
    while (!connection->outgoing.empty() && !connection->silent) {
      auto [data, binary] = std::move(connection->outgoing.front());
      connection->outgoing.pop_front();
      connection->ws.binary(binary);
      const auto [error, written] = co_await connection->ws.async_write(asio::buffer(data), no_throw);
      if (error) break;
    }
    connection->writing = false;
  }

  void send_tracked(nlohmann::json frame) {
    const auto id = frame.value("envelope_id", std::string());
    auto connection = newest();
    if (connection) enqueue(connection, frame.dump());
    if (id.empty()) return;
    auto& entry = pending[id];
    entry.frame = std::move(frame);
    entry.sent = Clock::now();
    entry.timer = std::make_shared<asio::steady_timer>(io);
    arm_redelivery(id);
  }

  void arm_redelivery(const std::string& id) {
    auto timer = pending[id].timer;
    timer->expires_after(redelivery_delay);
    timer->async_wait([this, id](const beast::error_code& error) {
      if (error) return;
      const auto found = pending.find(id);
      if (found == pending.end() || found->second.attempts >= 3) return;
      auto& entry = found->second;
      ++entry.attempts;
      entry.frame["retry_attempt"] = entry.attempts;
      entry.frame["retry_reason"] = "timeout";
      if (auto connection = newest()) enqueue(connection, entry.frame.dump());
      arm_redelivery(id);
    });
  }

  // --- accept: HTTP or WebSocket on the same port --------------------------------------------
  asio::awaitable<void> accept_loop() {
    for (;;) {
      auto [error, socket] = co_await acceptor.async_accept(no_throw);
      if (error) co_return;
      asio::co_spawn(io, serve(std::move(socket)), asio::detached);
    }
  }

  // --- TLS front: handshake, then relay bytes both ways to the plain port ---------------------
  asio::awaitable<void> tls_accept_loop() {
    for (;;) {
      auto [error, socket] = co_await tls_acceptor.async_accept(no_throw);
      if (error) co_return;
      asio::co_spawn(io, relay(std::move(socket)), asio::detached);
    }
  }

  using SecureStream = beast::ssl_stream<beast::tcp_stream>;

  // Whichever direction ends first closes both sockets, which ends the other.
  template <class From, class To>
  static asio::awaitable<void> pump(std::shared_ptr<SecureStream> secure, std::shared_ptr<tcp::socket> plain, From& from,
                                   To& to) {
    std::array<char, 16384> chunk;
    for (;;) {
      const auto [read_error, read] = co_await from.async_read_some(asio::buffer(chunk), no_throw);
      if (read_error) break;
      const auto [write_error, written] = co_await asio::async_write(to, asio::buffer(chunk.data(), read), no_throw);
      if (write_error) break;
    }
    beast::error_code ignored;
    beast::get_lowest_layer(*secure).socket().close(ignored);
    plain->close(ignored);
  }

  asio::awaitable<void> relay(tcp::socket socket) {
    auto secure = std::make_shared<SecureStream>(std::move(socket), *tls);
    beast::get_lowest_layer(*secure).expires_after(std::chrono::seconds(5));
    const auto [handshake_error] = co_await secure->async_handshake(asio::ssl::stream_base::server, no_throw);
    {
      std::lock_guard lock(mutex);
      ++(handshake_error ? tls_failure_count : tls_handshake_count);
      notify();
    }
    if (handshake_error) co_return;
    beast::get_lowest_layer(*secure).expires_never();
    auto plain = std::make_shared<tcp::socket>(io);
    const auto [connect_error] =
        co_await plain->async_connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), plain_port), no_throw);
    if (connect_error) co_return;
    asio::co_spawn(io, pump(secure, plain, *secure, *plain), asio::detached);
    asio::co_spawn(io, pump(secure, plain, *plain, *secure), asio::detached);
  }

  asio::awaitable<void> serve(tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (bool first = true;; first = false) {
      http::request<http::string_body> request;
      const auto [error, read] = co_await http::async_read(stream, buffer, request, no_throw);
      if (error) co_return;
      if (websocket::is_upgrade(request)) {
        co_await serve_websocket(std::move(stream), std::move(request));
        co_return;
      }
      if (first) {
        std::lock_guard lock(mutex);
        ++http_connection_count;
      }
      bool hold = false;
      bool drop = false;
      auto response = answer(request, hold, drop);
      if (drop) co_return;  // carried out, then the connection closes before the answer
      if (hold) {
        // Never answered: the client sees its request accepted and nothing more until it gives up.
        http::request<http::string_body> ignored;
        co_await http::async_read(stream, buffer, ignored, no_throw);
        co_return;
      }
      const auto [write_error, written] = co_await http::async_write(stream, response, no_throw);
      if (write_error || !response.keep_alive()) co_return;
    }
  }

  // Under the mutex: a chat.postMessage Slack took, with its ts.
  std::string store_post(const FakeCall& call) {
    auto sent = call.json();
    // Like Slack's: the posting time in seconds, made unique by the fraction.
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::system_clock::now().time_since_epoch()).count();
    const auto ts = std::to_string(seconds) + "." + std::to_string(100000 + ++next_ts);
    if (!sent.is_object()) return ts;
    sent["ts"] = ts;
    channel_history[sent.value("channel", "")].push_back(std::move(sent));
    return ts;
  }

  // conversations.history: newest first, `limit` per page, the cursor is the index to go on from.
  nlohmann::json history(const FakeCall& call) {
    const auto fields = call.json();
    if (!fields.is_object()) return {{"ok", false}, {"error", "invalid_arguments"}};
    ++history_reads;
    const auto found = channel_history.find(fields.value("channel", ""));
    if (found == channel_history.end()) return {{"ok", true}, {"messages", nlohmann::json::array()}, {"has_more", false}};
    const double oldest = std::stod(fields.value("oldest", "0"));
    const bool with_metadata = fields.value("include_all_metadata", "") == "true";
    const auto limit = static_cast<std::size_t>(std::stoi(fields.value("limit", "100")));
    const auto start = static_cast<std::size_t>(std::stoi(fields.value("cursor", "0")));
    nlohmann::json messages = nlohmann::json::array();
    std::size_t index = 0;
    for (auto message = found->second.rbegin(); message != found->second.rend(); ++message) {
      if (std::stod(message->value("ts", "0")) < oldest) continue;
      if (index++ < start) continue;
      if (messages.size() == limit) {
        return {{"ok", true}, {"messages", messages}, {"has_more", true},
                {"response_metadata", {{"next_cursor", std::to_string(start + limit)}}}};
      }
      nlohmann::json shown = {{"type", "message"}, {"ts", message->value("ts", "")}, {"bot_id", "BBOT"},
                              {"text", message->value("text", "")}};
      if (with_metadata && message->contains("metadata")) shown["metadata"] = (*message)["metadata"];
      messages.push_back(std::move(shown));
    }
    return {{"ok", true}, {"messages", messages}, {"has_more", false}};
  }

  http::response<http::string_body> answer(const http::request<http::string_body>& request, bool& hold, bool& drop) {
    const std::string target(request.target());
    std::string method = target.starts_with("/api/") ? target.substr(5) : (target.starts_with("/response/") ? "response_url" : target);
    FakeCall call{method, std::string(request[http::field::authorization]), std::string(request[http::field::content_type]),
                  request.body(), Clock::now()};
    http::response<http::string_body> response{http::status::ok, request.version()};
    response.keep_alive(request.keep_alive());
    response.set(http::field::content_type, "application/json; charset=utf-8");
    nlohmann::json body = {{"ok", true}};
    {
      std::lock_guard lock(mutex);
      calls.push_back(call);
      if (auto next = held.find(method); next != held.end() && next->second > 0) {
        --next->second;
        hold = true;
        if (method == "chat.postMessage") store_post(call);
        notify();
        return response;
      }
      if (auto next = dropped.find(method); next != dropped.end() && next->second > 0) {
        --next->second;
        drop = true;
        if (method == "chat.postMessage") store_post(call);
        notify();
        return response;
      }
      if (auto next = scripted.find(method); next != scripted.end() && !next->second.empty()) {
        const auto answer = next->second.front();
        next->second.pop_front();
        response.result(static_cast<http::status>(answer.status));
        if (answer.retry_after >= 0) response.set(http::field::retry_after, std::to_string(answer.retry_after));
        response.body() = answer.body.value_or(nlohmann::json({{"ok", false}, {"error", answer.error}})).dump();
        response.prepare_payload();
        notify();
        return response;
      }
    }
    const auto& authorization = call.authorization;
    const bool app_token = authorization.starts_with("Bearer xapp-");
    const bool bot_token = authorization.starts_with("Bearer xoxb-");
    if (method == "apps.connections.open") {
      std::lock_guard lock(mutex);
      if (!app_token) {
        body = {{"ok", false}, {"error", "invalid_auth"}};
      } else if (failing_opens > 0) {
        --failing_opens;
        body = {{"ok", false}, {"error", "internal_error"}};
      } else {
        const auto ticket = "t" + std::to_string(++next_ticket);
        tickets[ticket] = false;
        body["url"] = std::string(tls ? "wss" : "ws") + "://127.0.0.1:" + std::to_string(port) + "/link/?ticket=" + ticket + "&app_id=A1";
      }
    } else if (method == "response_url") {
      response.set(http::field::content_type, "text/plain");
      response.body() = "ok";
    } else if (!bot_token) {
      body = {{"ok", false}, {"error", "invalid_auth"}};
    } else if (method == "auth.test") {
      body = {{"ok", true}, {"url", "https://kata.slack.com/"}, {"team", "Kata"}, {"user", "katabot"},
              {"team_id", "T1"}, {"user_id", "UBOT"}, {"bot_id", "BBOT"}};
    } else if (method == "chat.postMessage") {
      const auto sent = call.json();
      std::lock_guard lock(mutex);
      body["channel"] = sent.is_object() ? sent.value("channel", "") : "";
      body["ts"] = store_post(call);
    } else if (method == "conversations.history") {
      std::lock_guard lock(mutex);
      body = history(call);
    } else if (method == "chat.postEphemeral") {
      body["message_ts"] = "1700000000.000001";
    } else if (method == "users.info") {
      const auto fields = call.json();
      const auto user = fields.is_object() ? fields.value("user", "") : "";
      body["user"] = {{"id", user}, {"tz", "Europe/Berlin"}, {"is_bot", false}};
    } else {
      body = {{"ok", false}, {"error", "unknown_method"}};
      response.result(http::status::not_found);
    }
    if (response.body().empty()) response.body() = body.dump();
    response.prepare_payload();
    notify();
    return response;
  }

  asio::awaitable<void> serve_websocket(beast::tcp_stream stream, http::request<http::string_body> request) {
    const std::string target(request.target());
    const auto ticket_at = target.find("ticket=");
    const auto ticket = ticket_at == std::string::npos ? "" : target.substr(ticket_at + 7, target.find('&', ticket_at) - ticket_at - 7);
    {
      std::lock_guard lock(mutex);
      const auto found = tickets.find(ticket);
      if (found == tickets.end() || found->second) {
        ++rejected_tickets;
        notify();
        http::response<http::string_body> refused{http::status::unauthorized, 11};
        refused.body() = "invalid ticket";
        refused.prepare_payload();
        co_await http::async_write(stream, refused, no_throw);
        co_return;
      }
      found->second = true;  // single use
    }
    stream.expires_never();
    auto connection = std::make_shared<Connection>(stream.release_socket());
    connection->id = ++next_connection;
    const auto [accept_error] = co_await connection->ws.async_accept(request, no_throw);
    if (accept_error) co_return;
    bool too_many = false;
    {
      std::lock_guard lock(mutex);
      FakeConnectionInfo info;
      info.id = connection->id;
      info.open = true;
      info.opened = Clock::now();
      infos.push_back(info);
      too_many = static_cast<int>(open.size()) >= max_connections;
      if (!too_many) {
        ++hellos;
        this->info(connection->id).hello_sent = true;
      }
      notify();
    }
    open[connection->id] = connection;
    std::optional<nlohmann::json> early;
    {
      std::lock_guard lock(mutex);
      early.swap(before_hello);
    }
    if (early) enqueue(connection, early->dump());
    if (too_many) {
      enqueue(connection, R"({"type":"disconnect","reason":"too_many_websockets","debug_info":{"host":"fake"}})");
    } else {
      enqueue(connection, R"({"type":"hello","num_connections":)" + std::to_string(open.size()) +
                              R"(,"debug_info":{"host":"fake-1","build_number":1,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}})");
    }
    beast::flat_buffer buffer;
    for (;;) {
      const auto [error, bytes] = co_await connection->ws.async_read(buffer, no_throw);
      if (error) {
        std::lock_guard lock(mutex);
        if (error == websocket::error::closed) info(connection->id).closed_by_client = true;
        break;
      }
      if (connection->silent) break;
      const auto text = beast::buffers_to_string(buffer.data());
      buffer.consume(buffer.size());
      auto frame = nlohmann::json::parse(text, nullptr, false);
      if (!frame.is_object() || !frame.contains("envelope_id")) continue;
      FakeAck ack;
      ack.envelope_id = frame.value("envelope_id", "");
      if (frame.contains("payload")) ack.payload = frame["payload"];
      ack.connection = connection->id;
      ack.at = Clock::now();
      if (auto found = pending.find(ack.envelope_id); found != pending.end()) {
        ack.sent = found->second.sent;
        found->second.timer->cancel();
        pending.erase(found);
      }
      std::lock_guard lock(mutex);
      acks.push_back(std::move(ack));
      notify();
    }
    if (!connection->silent) {
      open.erase(connection->id);
      beast::error_code ignored;
      beast::get_lowest_layer(connection->ws).socket().close(ignored);
      std::lock_guard lock(mutex);
      info(connection->id).open = false;
      info(connection->id).closed = Clock::now();
      notify();
    }
  }
};

namespace {
std::uint16_t listen_on_loopback(tcp::acceptor& acceptor) {
  const tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
  acceptor.open(endpoint.protocol());
  acceptor.set_option(asio::socket_base::reuse_address(true));
  acceptor.bind(endpoint);
  acceptor.listen();
  return acceptor.local_endpoint().port();
}
}  // namespace

FakeSlack::FakeSlack() : impl_(std::make_unique<Impl>()) {
  auto& impl = *impl_;
  impl.port = impl.plain_port = listen_on_loopback(impl.acceptor);
  asio::co_spawn(impl.io, impl.accept_loop(), asio::detached);
  impl.thread = std::thread([&impl] { impl.io.run(); });
}

FakeSlack::FakeSlack(const FakeSlackTls& tls) : impl_(std::make_unique<Impl>()) {
  auto& impl = *impl_;
  impl.tls = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  impl.tls->use_certificate_chain_file(tls.cert_file);
  impl.tls->use_private_key_file(tls.key_file, asio::ssl::context::pem);
  impl.plain_port = listen_on_loopback(impl.acceptor);
  impl.port = listen_on_loopback(impl.tls_acceptor);
  asio::co_spawn(impl.io, impl.accept_loop(), asio::detached);
  asio::co_spawn(impl.io, impl.tls_accept_loop(), asio::detached);
  impl.thread = std::thread([&impl] { impl.io.run(); });
}

FakeSlack::~FakeSlack() {
  impl_->io.stop();
  impl_->thread.join();
}

std::uint16_t FakeSlack::port() const { return impl_->port; }
std::string FakeSlack::api_base() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(impl_->port) + "/api/";
}

void FakeSlack::send_envelope(const nlohmann::json& frame) {
  impl_->run_on_io([impl = impl_.get(), frame] { impl->send_tracked(frame); });
}

void FakeSlack::send_text(const std::string& text) {
  impl_->run_on_io([impl = impl_.get(), text] {
    if (auto connection = impl->newest()) impl->enqueue(connection, text);
  });
}

void FakeSlack::send_text_to(int connection, const std::string& text) {
  impl_->run_on_io([impl = impl_.get(), connection, text] {
    if (const auto found = impl->open.find(connection); found != impl->open.end()) impl->enqueue(found->second, text);
  });
}

void FakeSlack::send_binary(const std::string& data) {
  impl_->run_on_io([impl = impl_.get(), data] {
    if (auto connection = impl->newest()) impl->enqueue(connection, data, true);
  });
}

void FakeSlack::send_disconnect(const std::string& reason) {
  send_text(nlohmann::json({{"type", "disconnect"}, {"reason", reason}, {"debug_info", {{"host", "fake-1"}}}}).dump());
}

void FakeSlack::script_refresh(std::chrono::milliseconds grace) {
  impl_->run_on_io([impl = impl_.get(), grace] {
    auto connection = impl->newest();
    if (!connection) return;
    for (const auto* reason : {"warning", "refresh_requested"}) {
      impl->enqueue(connection, nlohmann::json({{"type", "disconnect"}, {"reason", reason}, {"debug_info", {{"host", "fake-1"}}}}).dump());
    }
    auto timer = std::make_shared<asio::steady_timer>(impl->io, grace);
    timer->async_wait([impl, connection, timer](const beast::error_code& error) {
      if (error || !impl->open.contains(connection->id)) return;
      {
        std::lock_guard lock(impl->mutex);
        impl->info(connection->id).closed_by_server = true;
      }
      beast::error_code ignored;
      beast::get_lowest_layer(connection->ws).socket().close(ignored);
    });
  });
}

void FakeSlack::drop_newest() {
  impl_->run_on_io([impl = impl_.get()] {
    if (auto connection = impl->newest()) {
      beast::error_code ignored;
      beast::get_lowest_layer(connection->ws).socket().close(ignored);
    }
  });
}

void FakeSlack::silence_newest() {
  impl_->run_on_io([impl = impl_.get()] {
    if (auto connection = impl->newest()) {
      connection->silent = true;
      beast::error_code ignored;
      beast::get_lowest_layer(connection->ws).socket().cancel(ignored);
    }
  });
}

void FakeSlack::rate_limit_next(const std::string& method, int retry_after_seconds, int times) {
  std::lock_guard lock(impl_->mutex);
  for (int i = 0; i < times; ++i) impl_->scripted[method].push_back({429, "ratelimited", retry_after_seconds});
}

void FakeSlack::fail_next(const std::string& method, int status, const std::string& error, int times) {
  std::lock_guard lock(impl_->mutex);
  for (int i = 0; i < times; ++i) impl_->scripted[method].push_back({status, error, -1});
}

void FakeSlack::answer_next(const std::string& method, const nlohmann::json& body) {
  std::lock_guard lock(impl_->mutex);
  impl_->scripted[method].push_back({200, {}, -1, body});
}

void FakeSlack::hold_next(const std::string& method, int times) {
  std::lock_guard lock(impl_->mutex);
  impl_->held[method] += times;
}

void FakeSlack::drop_after_storing_next(const std::string& method, int times) {
  std::lock_guard lock(impl_->mutex);
  impl_->dropped[method] += times;
}

std::vector<nlohmann::json> FakeSlack::channel_history(const std::string& channel) const {
  std::lock_guard lock(impl_->mutex);
  const auto found = impl_->channel_history.find(channel);
  return found == impl_->channel_history.end() ? std::vector<nlohmann::json>{} : found->second;
}

std::size_t FakeSlack::history_reads() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->history_reads;
}

void FakeSlack::fail_next_opens(int times) {
  std::lock_guard lock(impl_->mutex);
  impl_->failing_opens = times;
}

void FakeSlack::set_max_connections(int cap) {
  std::lock_guard lock(impl_->mutex);
  impl_->max_connections = cap;
}

void FakeSlack::send_before_next_hello(const nlohmann::json& frame) {
  std::lock_guard lock(impl_->mutex);
  impl_->before_hello = frame;
}

void FakeSlack::set_redelivery_delay(std::chrono::milliseconds delay) {
  impl_->run_on_io([impl = impl_.get(), delay] { impl->redelivery_delay = delay; });
}

std::optional<FakeAck> FakeSlack::wait_ack(const std::string& envelope_id, Deadline deadline) {
  std::unique_lock lock(impl_->mutex);
  std::optional<FakeAck> found;
  impl_->changed.wait_until(lock, deadline, [&] {
    for (const auto& ack : impl_->acks) {
      if (ack.envelope_id == envelope_id) {
        found = ack;
        return true;
      }
    }
    return false;
  });
  return found;
}

std::size_t FakeSlack::ack_count(const std::string& envelope_id) const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<std::size_t>(std::count_if(impl_->acks.begin(), impl_->acks.end(),
                                                [&](const FakeAck& ack) { return ack.envelope_id == envelope_id; }));
}

std::vector<FakeCall> FakeSlack::calls(const std::string& method) const {
  std::lock_guard lock(impl_->mutex);
  std::vector<FakeCall> matching;
  for (const auto& call : impl_->calls) {
    if (call.method == method) matching.push_back(call);
  }
  return matching;
}

std::vector<FakeCall> FakeSlack::wait_calls(const std::string& method, std::size_t count, Deadline deadline) {
  {
    std::unique_lock lock(impl_->mutex);
    impl_->changed.wait_until(lock, deadline, [&] {
      return static_cast<std::size_t>(std::count_if(impl_->calls.begin(), impl_->calls.end(), [&](const FakeCall& call) {
               return call.method == method;
             })) >= count;
    });
  }
  return calls(method);
}

bool FakeSlack::wait_hellos(int count, Deadline deadline) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_until(lock, deadline, [&] { return impl_->hellos >= count; });
}

int FakeSlack::hellos() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->hellos;
}

int FakeSlack::open_connections() const {
  std::lock_guard lock(impl_->mutex);
  return static_cast<int>(std::count_if(impl_->infos.begin(), impl_->infos.end(),
                                        [](const FakeConnectionInfo& info) { return info.open; }));
}

bool FakeSlack::wait_open_connections(int count, Deadline deadline) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_until(lock, deadline, [&] {
    return static_cast<int>(std::count_if(impl_->infos.begin(), impl_->infos.end(),
                                          [](const FakeConnectionInfo& info) { return info.open; })) == count;
  });
}

std::vector<FakeConnectionInfo> FakeSlack::connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->infos;
}

std::size_t FakeSlack::tickets_rejected() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->rejected_tickets;
}

std::size_t FakeSlack::http_connections() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->http_connection_count;
}

std::size_t FakeSlack::tls_handshakes() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->tls_handshake_count;
}

std::size_t FakeSlack::tls_failures() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->tls_failure_count;
}

bool FakeSlack::wait_tls_failures(std::size_t count, Deadline deadline) {
  std::unique_lock lock(impl_->mutex);
  return impl_->changed.wait_until(lock, deadline, [&] { return impl_->tls_failure_count >= count; });
}

nlohmann::json slash_command_envelope(const std::string& envelope_id, const std::string& text, const std::string& user,
                                      const std::string& channel, const std::string& response_url) {
  return {{"envelope_id", envelope_id},
          {"type", "slash_commands"},
          {"accepts_response_payload", true},
          {"payload",
           {{"token", "deprecated"}, {"team_id", "T1"}, {"team_domain", "kata"}, {"channel_id", channel},
            {"channel_name", "general"}, {"user_id", user}, {"user_name", "ann"}, {"command", "/kata"},
            {"text", text}, {"api_app_id", "A1"}, {"response_url", response_url}, {"trigger_id", "13345.1"}}}};
}

nlohmann::json event_envelope(const std::string& envelope_id, const std::string& event_id, nlohmann::json event,
                              int retry_attempt) {
  return {{"envelope_id", envelope_id},
          {"type", "events_api"},
          {"accepts_response_payload", false},
          {"retry_attempt", retry_attempt},
          {"retry_reason", retry_attempt > 0 ? "timeout" : ""},
          {"payload",
           {{"token", "x"}, {"team_id", "T1"}, {"api_app_id", "A1"}, {"type", "event_callback"}, {"event_id", event_id},
            {"event_time", 1700000000}, {"event", std::move(event)}}}};
}

}  // namespace katabot::test
