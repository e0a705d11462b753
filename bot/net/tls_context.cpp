#include "bot/net/tls_context.hpp"

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <spdlog/spdlog.h>

#include "bot/net/tls_files.hpp"

namespace katabot::client {

namespace asio = boost::asio;

namespace {

// A fresh context with no anchor at all: verification fails for every peer.
std::shared_ptr<asio::ssl::context> trusting_nothing(const TlsClientOptions& options, const char* key,
                                                     const std::string& path, const std::string& problem) {
  spdlog::error("{}: cannot load {} {}: {}; every TLS connection will fail", options.owner, key, path, problem);
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const TlsClientOptions& options) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  boost::system::error_code no_system_store;
  context->set_default_verify_paths(no_system_store);
  if (no_system_store) spdlog::warn("{}: the system CA store cannot be used: {}", options.owner, no_system_store.message());
  if (!options.ca_file.empty()) {
    if (const auto problem = add_ca_bundle(context->native_handle(), options.ca_file)) {
      return trusting_nothing(options, "ca_file", options.ca_file, *problem);
    }
  }
  if (!options.client_cert.empty()) {
    if (const auto problem = use_client_identity(context->native_handle(), options.client_cert)) {
      return trusting_nothing(options, "client_cert", options.client_cert, *problem);
    }
  }
  if (!options.verify) spdlog::warn("{}: tls_verify is false: the server's certificate is NOT checked", options.owner);
  context->set_verify_mode(options.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return context;
}

}  // namespace katabot::client
