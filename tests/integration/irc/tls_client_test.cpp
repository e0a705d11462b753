// bot/net's TLS client (the one IRC, Slack and --check-links connect through) against a real TLS
// server, openssl s_server, with certificates from a CA the test makes.
#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <openssl/pem.h>
#include <openssl/ssl.h>

#include "bot/net/connect.hpp"
#include "bot/net/tls_context.hpp"
#include "tests/integration/irc/irc_fixture.hpp"

using namespace katabot;
using namespace katabot::test;
namespace asio = boost::asio;

namespace {

// `default_cert` for a client that sends no SNI or another name; with `localhost_cert`, that one
// for a client whose SNI is "localhost".
Process start_tls_server(const TempDir& dir, std::uint16_t port, const std::filesystem::path& default_cert,
                         const std::filesystem::path& default_key, const std::filesystem::path& localhost_cert = {},
                         const std::filesystem::path& localhost_key = {}) {
  std::vector<std::string> argv{"openssl", "s_server", "-www", "-accept", "127.0.0.1:" + std::to_string(port),
                                "-cert", default_cert.string(), "-key", default_key.string()};
  if (!localhost_cert.empty()) {
    argv.insert(argv.end(), {"-servername", "localhost", "-cert2", localhost_cert.string(), "-key2", localhost_key.string()});
  }
  Process server(argv, dir.path() / "s_server.log");
  REQUIRE(wait_for_port(port));
  return server;
}

// client::connect_tls to host:port through `context`; the failure, if any.
std::optional<client::ConnectError> connect_with(asio::ssl::context& context, const std::string& host, std::uint16_t port) {
  asio::io_context io;
  asio::ip::tcp::socket socket(io);
  asio::ssl::stream<asio::ip::tcp::socket&> stream(socket, context);
  std::optional<std::optional<client::ConnectError>> outcome;
  asio::co_spawn(io, client::connect_tls(stream, socket, host, std::to_string(port), {5000ms, 5000ms, 5000ms}),
                 [&](std::exception_ptr, std::optional<client::ConnectError> failure) { outcome = failure; });
  io.run();  // every step is bounded by the watchdogs
  REQUIRE(outcome);
  return *outcome;
}

// The same, trusting `ca`.
std::optional<client::ConnectError> connect_to(const std::string& host, std::uint16_t port, const std::filesystem::path& ca) {
  return connect_with(*client::make_tls_context({.owner = "test", .ca_file = ca.string()}), host, port);
}

X509_STORE* trust_store(asio::ssl::context& context) { return SSL_CTX_get_cert_store(context.native_handle()); }

int anchors_loaded(asio::ssl::context& context) { return sk_X509_OBJECT_num(X509_STORE_get0_objects(trust_store(context))); }

// `ca` under its subject-hash name in `directory`, as update-ca-certificates and c_rehash write it.
void add_hashed(const std::filesystem::path& directory, const std::filesystem::path& ca) {
  std::unique_ptr<BIO, decltype(&BIO_free)> file(BIO_new_file(ca.c_str(), "r"), &BIO_free);
  REQUIRE(file);
  std::unique_ptr<X509, decltype(&X509_free)> certificate(PEM_read_bio_X509(file.get(), nullptr, nullptr, nullptr), &X509_free);
  REQUIRE(certificate);
  char name[16];
  std::snprintf(name, sizeof name, "%08lx.0", X509_subject_name_hash(certificate.get()));
  std::filesystem::create_directories(directory);
  std::filesystem::copy_file(ca, directory / name);
}

// Sets an environment variable for the scope, restoring what was there.
class ScopedEnvironment {
 public:
  ScopedEnvironment(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnvironment() { old_ ? ::setenv(name_, old_->c_str(), 1) : ::unsetenv(name_); }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("tls client: SNI is sent, so a server with one certificate per name shows the right one",
          "[integration][tls]") {
  TempDir dir("katabot-tls");
  const auto certs = make_test_certificates(dir.path());
  const auto port = free_port();
  // Without SNI "localhost" the server shows the wrong.example certificate, which the client refuses.
  auto server = start_tls_server(dir, port, certs.wrong_cert, certs.wrong_key, certs.server_cert, certs.server_key);
  const auto by_name = connect_to("localhost", port, certs.ca);
  CHECK_FALSE(by_name.has_value());
  // No SNI for an address (RFC 6066): the default certificate, not for 127.0.0.1: refused.
  const auto by_address = connect_to("127.0.0.1", port, certs.ca);
  REQUIRE(by_address.has_value());
  CHECK(by_address->step == client::ConnectStep::tls);
}

TEST_CASE("tls client: a certificate for another host name or address is refused, the right one is accepted",
          "[integration][tls]") {
  TempDir dir("katabot-tls");
  const auto certs = make_test_certificates(dir.path());
  SECTION("wrong name") {
    const auto port = free_port();
    auto server = start_tls_server(dir, port, certs.wrong_cert, certs.wrong_key);
    const auto failure = connect_to("localhost", port, certs.ca);
    REQUIRE(failure.has_value());
    CHECK(failure->step == client::ConnectStep::tls);
  }
  SECTION("right name and address") {
    const auto port = free_port();
    auto server = start_tls_server(dir, port, certs.server_cert, certs.server_key);
    CHECK_FALSE(connect_to("localhost", port, certs.ca).has_value());
    CHECK_FALSE(connect_to("127.0.0.1", port, certs.ca).has_value());
  }
  SECTION("right certificate, CA not trusted") {
    const auto port = free_port();
    auto server = start_tls_server(dir, port, certs.server_cert, certs.server_key);
    const auto failure = connect_to("localhost", port, {});
    REQUIRE(failure.has_value());
    CHECK(failure->step == client::ConnectStep::tls);
  }
}

TEST_CASE("tls client: a server that accepts but never answers the handshake costs the handshake timeout",
          "[integration][tls]") {
  Listener silent;  // the kernel completes the TCP handshake; nobody ever speaks TLS
  asio::io_context io;
  const auto context = client::make_tls_context({.owner = "test"});
  asio::ip::tcp::socket socket(io);
  asio::ssl::stream<asio::ip::tcp::socket&> stream(socket, *context);
  std::optional<std::optional<client::ConnectError>> outcome;
  const auto started = Clock::now();
  asio::co_spawn(io, client::connect_tls(stream, socket, "127.0.0.1", std::to_string(silent.port()), {1000ms, 1000ms, 300ms}),
                 [&](std::exception_ptr, std::optional<client::ConnectError> failure) { outcome = failure; });
  io.run();
  REQUIRE(outcome);
  REQUIRE(outcome->has_value());
  CHECK((*outcome)->step == client::ConnectStep::tls);
  CHECK((*outcome)->code == asio::error::timed_out);
  CHECK(Clock::now() - started < 2s);
}

TEST_CASE("tls client: equal options share one context, every context shares the one system store, and both still verify",
          "[integration][tls]") {
  const auto irc = client::make_tls_context({.owner = "irc"});
  const auto slack = client::make_tls_context({.owner = "slack"});
  CHECK(irc == slack);
  const auto unverified = client::make_tls_context({.owner = "irc", .verify = false});
  CHECK(unverified != irc);
  CHECK(SSL_CTX_get_verify_mode(unverified->native_handle()) == SSL_VERIFY_NONE);
  CHECK(SSL_CTX_get_verify_mode(irc->native_handle()) == SSL_VERIFY_PEER);
  CHECK(trust_store(*unverified) == trust_store(*irc));
  CHECK(anchors_loaded(*irc) > 0);  // the system bundle, parsed once

  TempDir dir("katabot-tls");
  const auto certs = make_test_certificates(dir.path());
  const auto port = free_port();
  auto server = start_tls_server(dir, port, certs.server_cert, certs.server_key);
  // The shared system store does not know the test CA: refused through the shared context.
  const auto untrusted = connect_with(*irc, "localhost", port);
  REQUIRE(untrusted.has_value());
  CHECK(untrusted->step == client::ConnectStep::tls);

  // With the test CA: two connections, one after the other, through the one context two owners got.
  const auto first = client::make_tls_context({.owner = "irc", .ca_file = certs.ca.string()});
  const auto second = client::make_tls_context({.owner = "slack", .ca_file = certs.ca.string()});
  REQUIRE(first == second);
  CHECK(trust_store(*first) != trust_store(*irc));  // an extra anchor is never added to the shared store
  CHECK_FALSE(connect_with(*first, "localhost", port).has_value());
  CHECK_FALSE(connect_with(*second, "127.0.0.1", port).has_value());
}

TEST_CASE("tls client: a ca_file that cannot be loaded refuses every server, even one its good part would accept",
          "[integration][tls]") {
  TempDir dir("katabot-tls");
  const auto certs = make_test_certificates(dir.path());
  const auto spoiled = dir.path() / "spoiled.pem";
  {
    std::ifstream ca(certs.ca);
    std::ofstream bundle(spoiled);
    bundle << ca.rdbuf() << "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  }
  const auto port = free_port();
  auto server = start_tls_server(dir, port, certs.server_cert, certs.server_key);
  REQUIRE_FALSE(connect_to("localhost", port, certs.ca).has_value());  // the good part alone is accepted
  const auto refused = connect_to("localhost", port, spoiled);
  REQUIRE(refused.has_value());
  CHECK(refused->step == client::ConnectStep::tls);
  const auto missing = connect_to("localhost", port, dir.path() / "missing.pem");
  REQUIRE(missing.has_value());
  CHECK(missing->step == client::ConnectStep::tls);
}

TEST_CASE("tls client: with SSL_CERT_FILE=/dev/null the system store reads the hashed directory at the handshake, "
          "nothing at start", "[integration][tls]") {
  TempDir dir("katabot-tls");
  const auto certs = make_test_certificates(dir.path());
  add_hashed(dir.path() / "certs", certs.ca);
  const auto port = free_port();
  auto server = start_tls_server(dir, port, certs.server_cert, certs.server_key);

  // No context is alive here, so the shared system store is made anew from this environment.
  const ScopedEnvironment no_bundle("SSL_CERT_FILE", "/dev/null");
  const ScopedEnvironment directory("SSL_CERT_DIR", (dir.path() / "certs").string());
  const auto context = client::make_tls_context({.owner = "irc"});
  CHECK(anchors_loaded(*context) == 0);
  CHECK_FALSE(connect_with(*context, "localhost", port).has_value());
  CHECK(anchors_loaded(*context) == 1);  // the one root the server's chain names, read when it was needed
}
