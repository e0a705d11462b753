// The fake itself behaves as Slack is documented to: checked with a plain Beast client.
#include <catch2/catch.hpp>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>

#include "fake_slack.hpp"

using namespace katabot::test;
using namespace std::chrono_literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;

namespace {

std::string open_connection_url(std::uint16_t port) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> request{http::verb::post, "/api/apps.connections.open", 11};
  request.set(http::field::host, "127.0.0.1");
  request.set(http::field::authorization, "Bearer xapp-1-test");
  request.prepare_payload();
  http::write(stream, request);
  beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(stream, buffer, response);
  return nlohmann::json::parse(response.body())["url"].get<std::string>();
}

struct RawClient {
  asio::io_context io;
  websocket::stream<tcp::socket> ws{io};
  beast::flat_buffer buffer;

  beast::error_code connect(std::uint16_t port, const std::string& url) {
    ws.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    beast::error_code error;
    ws.handshake("127.0.0.1", url.substr(url.find("/link")), error);
    return error;
  }
  nlohmann::json read() {
    buffer.consume(buffer.size());
    ws.read(buffer);
    return nlohmann::json::parse(beast::buffers_to_string(buffer.data()));
  }
};

}  // namespace

TEST_CASE("fake slack: hello at connect, URLs are single-use", "[fake]") {
  FakeSlack fake;
  const auto url = open_connection_url(fake.port());
  CHECK(url.starts_with("ws://127.0.0.1:"));
  RawClient first;
  REQUIRE_FALSE(first.connect(fake.port(), url));
  CHECK(first.read()["type"] == "hello");
  RawClient reused;
  CHECK(reused.connect(fake.port(), url));  // refused
  CHECK(fake.tickets_rejected() == 1);
}

TEST_CASE("fake slack: unacked envelopes come again with retry_attempt+1", "[fake]") {
  FakeSlack fake;
  fake.set_redelivery_delay(200ms);
  RawClient client;
  REQUIRE_FALSE(client.connect(fake.port(), open_connection_url(fake.port())));
  client.read();  // hello
  // Before the send: the redelivery delay starts when the fake sends, before the frame is read here.
  const auto sent = std::chrono::steady_clock::now();
  fake.send_envelope(event_envelope("env-1", "Ev1", {{"type", "message"}, {"channel", "C1"}, {"ts", "1.0"}}));
  auto frame = client.read();
  CHECK(frame["retry_attempt"] == 0);
  frame = client.read();
  CHECK(std::chrono::steady_clock::now() - sent >= 150ms);
  CHECK(frame["envelope_id"] == "env-1");
  CHECK(frame["retry_attempt"] == 1);
  CHECK(frame["retry_reason"] == "timeout");
  client.ws.write(asio::buffer(std::string(R"({"envelope_id":"env-1"})")));
  REQUIRE(fake.wait_ack("env-1", deadline_in(2s)));
  // Acked: nothing more comes; a disconnect frame sent now is the next thing read.
  fake.send_disconnect("warning");
  CHECK(client.read()["type"] == "disconnect");
}

TEST_CASE("fake slack: too_many_websockets instead of hello past the cap", "[fake]") {
  FakeSlack fake;
  fake.set_max_connections(1);
  RawClient first;
  REQUIRE_FALSE(first.connect(fake.port(), open_connection_url(fake.port())));
  CHECK(first.read()["type"] == "hello");
  RawClient second;
  REQUIRE_FALSE(second.connect(fake.port(), open_connection_url(fake.port())));
  const auto frame = second.read();
  CHECK(frame["type"] == "disconnect");
  CHECK(frame["reason"] == "too_many_websockets");
}
