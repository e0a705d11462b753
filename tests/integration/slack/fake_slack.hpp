#pragma once
// A fake Slack on loopback for the integration tests: the Web API over HTTP (apps.connections.open,
// auth.test, chat.postMessage, chat.postEphemeral, users.info, conversations.history with message
// metadata, response_url) and Socket Mode over
// ws:// on the same port, as shared/reference/slack-socket-mode.md describes Slack: hello at
// connect, single-use connection URLs, too_many_websockets past the cap, redelivery of unacked
// envelopes after 3 s with retry_attempt+1, disconnect frames, a silent mode, 429 with
// Retry-After, garbage frames. It runs on its own thread; every method may be called from the test
// thread, and every wait has a deadline.
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/integration/deadline.hpp"

namespace katabot::test {

struct FakeAck {
  std::string envelope_id;
  std::optional<nlohmann::json> payload;
  int connection = 0;
  std::chrono::steady_clock::time_point at;
  // When the fake queued the envelope's first delivery (unset for an ack of an untracked frame):
  // at - sent is the ack latency seen from Slack's side.
  std::optional<std::chrono::steady_clock::time_point> sent;
};

struct FakeCall {
  std::string method;         // "chat.postMessage", … or "response_url"
  std::string authorization;  // the whole header
  std::string content_type;
  std::string body;
  std::chrono::steady_clock::time_point at;
  nlohmann::json json() const;  // the body parsed (form bodies as an object of strings)
};

struct FakeConnectionInfo {
  int id = 0;
  bool open = false;
  bool hello_sent = false;
  bool closed_by_client = false;  // the client sent a close frame
  bool closed_by_server = false;  // the fake closed it (refresh grace over)
  std::chrono::steady_clock::time_point opened;
  std::chrono::steady_clock::time_point closed;
};

// TLS mode: a TLS front on the public port, relaying to the plain fake, so the Web API is
// https:// and apps.connections.open hands out wss:// URLs.
struct FakeSlackTls {
  std::string cert_file;  // PEM, its SAN must match 127.0.0.1 for the bot to accept it
  std::string key_file;
};

class FakeSlack {
 public:
  FakeSlack();
  explicit FakeSlack(const FakeSlackTls& tls);
  ~FakeSlack();
  FakeSlack(const FakeSlack&) = delete;
  FakeSlack& operator=(const FakeSlack&) = delete;

  std::uint16_t port() const;
  std::string api_base() const;  // http(s)://127.0.0.1:PORT/api/

  // --- scripting ---
  // Sends an envelope frame to the newest open connection, tracking it for redelivery.
  void send_envelope(const nlohmann::json& frame);
  void send_text(const std::string& text);    // raw text frame, no tracking
  // A raw text frame to the open connection `connection` (FakeConnectionInfo::id), no tracking:
  // Slack sends each envelope, and each retry, to any one of the app's connections.
  void send_text_to(int connection, const std::string& text);
  void send_binary(const std::string& data);
  void send_disconnect(const std::string& reason);
  // Slack's refresh: warning and refresh_requested on the newest connection, which the server
  // closes itself after `grace` unless the client did first.
  void script_refresh(std::chrono::milliseconds grace = std::chrono::seconds(2));
  void drop_newest();         // TCP closed without a close frame
  void silence_newest();      // stop reading (no pongs) and writing, keep TCP open
  void rate_limit_next(const std::string& method, int retry_after_seconds, int times = 1);
  // The next `times` calls of `method` answer HTTP `status` with {"ok":false,"error":error}.
  void fail_next(const std::string& method, int status, const std::string& error, int times = 1);
  // The next call of `method` answers HTTP 200 with `body` as it is (odd shapes included).
  void answer_next(const std::string& method, const nlohmann::json& body);
  // The next `times` calls of `method` are recorded and never answered (a crash window: the request
  // reached Slack, the client never learns it).
  // A held chat.postMessage counts as posted: it shows in conversations.history.
  void hold_next(const std::string& method, int times = 1);
  // The next `times` calls of `method` are carried out (a chat.postMessage is stored), then the
  // connection is closed without an answer.
  void drop_after_storing_next(const std::string& method, int times = 1);
  void fail_next_opens(int times);  // apps.connections.open answers ok:false internal_error
  void set_max_connections(int cap);
  // The next connection gets `frame` before its hello (Slack never does; clients must cope).
  void send_before_next_hello(const nlohmann::json& frame);
  void set_redelivery_delay(std::chrono::milliseconds delay);

  // --- observing ---
  std::optional<FakeAck> wait_ack(const std::string& envelope_id, Deadline deadline);
  // Waits until `method` was called at least `count` times; returns all its calls.
  std::vector<FakeCall> wait_calls(const std::string& method, std::size_t count, Deadline deadline);
  std::vector<FakeCall> calls(const std::string& method) const;
  std::size_t ack_count(const std::string& envelope_id) const;
  // What chat.postMessage stored in `channel` (the request bodies with their ts), oldest first.
  std::vector<nlohmann::json> channel_history(const std::string& channel) const;
  std::size_t history_reads() const;  // conversations.history pages served
  // Waits until `count` connections (ever) received hello.
  bool wait_hellos(int count, Deadline deadline);
  int hellos() const;
  int open_connections() const;
  std::vector<FakeConnectionInfo> connections() const;
  bool wait_open_connections(int count, Deadline deadline);
  std::size_t tickets_rejected() const;  // a URL used twice or unknown
  std::size_t http_connections() const;  // TCP connections that carried Web API requests
  std::size_t tls_handshakes() const;    // completed server-side handshakes (TLS mode)
  std::size_t tls_failures() const;      // handshakes the client aborted or that failed
  bool wait_tls_failures(std::size_t count, Deadline deadline);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Envelope builders with Slack's field names.
nlohmann::json slash_command_envelope(const std::string& envelope_id, const std::string& text,
                                      const std::string& user, const std::string& channel,
                                      const std::string& response_url);
nlohmann::json event_envelope(const std::string& envelope_id, const std::string& event_id, nlohmann::json event,
                              int retry_attempt = 0);

}  // namespace katabot::test
