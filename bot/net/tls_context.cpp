#include "bot/net/tls_context.hpp"

#include <map>
#include <mutex>
#include <tuple>

#include <boost/asio/ssl/context.hpp>
#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>
#include <spdlog/spdlog.h>

#include "bot/net/tls_files.hpp"

namespace katabot::client {

namespace asio = boost::asio;

namespace {

using SharedStore = std::shared_ptr<X509_STORE>;

// The system CA store, parsed once and shared while any context uses it; loaded again only after
// every context is gone (a test process, the link checker run), never kept alive by a static.
SharedStore system_store(const std::string& owner) {
  static std::mutex guard;
  static std::weak_ptr<X509_STORE> loaded;
  const std::lock_guard lock(guard);
  if (auto store = loaded.lock()) return store;
  SharedStore store(X509_STORE_new(), &X509_STORE_free);
  if (!store) throw std::bad_alloc();
  // The same sources as SSL_CTX_set_default_verify_paths: SSL_CERT_FILE / SSL_CERT_DIR, or the
  // distribution's bundle and hashed directory.
  if (X509_STORE_set_default_paths(store.get()) != 1) {
    spdlog::warn("{}: the system CA store cannot be used", owner);
  }
  loaded = store;
  return store;
}

// The context owns a reference to the store it shares (OpenSSL counts the SSL_CTX's own).
std::shared_ptr<asio::ssl::context> holding(std::unique_ptr<asio::ssl::context> context, SharedStore store) {
  return {context.release(), [store = std::move(store)](asio::ssl::context* done) { delete done; }};
}

// A fresh context with no anchor at all: verification fails for every peer.
std::shared_ptr<asio::ssl::context> trusting_nothing(const TlsClientOptions& options, const char* key,
                                                     const std::string& path, const std::string& problem) {
  spdlog::error("{}: cannot load {} {}: {}; every TLS connection will fail", options.owner, key, path, problem);
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_verify_mode(asio::ssl::verify_peer);
  return context;
}

std::shared_ptr<asio::ssl::context> build(const TlsClientOptions& options) {
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  context->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
  SharedStore shared;
  if (options.ca_file.empty()) {
    shared = system_store(options.owner);
    SSL_CTX_set1_cert_store(context->native_handle(), shared.get());
  } else {
    // An extra bundle changes what this context trusts, so it gets a store of its own.
    boost::system::error_code no_system_store;
    context->set_default_verify_paths(no_system_store);
    if (no_system_store) spdlog::warn("{}: the system CA store cannot be used: {}", options.owner, no_system_store.message());
    if (const auto problem = add_ca_bundle(context->native_handle(), options.ca_file)) {
      return trusting_nothing(options, "ca_file", options.ca_file, *problem);
    }
  }
  if (!options.client_cert.empty()) {
    if (const auto problem = use_client_identity(context->native_handle(), options.client_cert, options.client_key)) {
      const auto files = options.client_key.empty() ? options.client_cert : options.client_cert + " / " + options.client_key;
      return trusting_nothing(options, "client_cert", files, *problem);
    }
  }
  if (!options.verify) spdlog::warn("{}: tls_verify is false: the server's certificate is NOT checked", options.owner);
  context->set_verify_mode(options.verify ? asio::ssl::verify_peer : asio::ssl::verify_none);
  return holding(std::move(context), std::move(shared));
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const TlsClientOptions& options) {
  using Key = std::tuple<std::string, std::string, std::string, bool>;
  static std::mutex guard;
  static std::map<Key, std::weak_ptr<asio::ssl::context>> in_use;
  const std::lock_guard lock(guard);
  Key key{options.ca_file, options.client_cert, options.client_key, options.verify};
  if (auto context = in_use[key].lock()) return context;
  std::erase_if(in_use, [](const auto& entry) { return entry.second.expired(); });
  auto context = build(options);
  in_use[std::move(key)] = context;
  return context;
}

}  // namespace katabot::client
