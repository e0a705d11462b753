#include "bot/net/tls_files.hpp"

#include <memory>

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace katabot::client {
namespace {

// The first error OpenSSL queued, in its words; the queue is left empty for whoever comes next.
std::string openssl_reason(const char* fallback) {
  const auto code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ERR_reason_error_string(code);
  return reason != nullptr ? reason : fallback;
}

using ScratchContext = std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)>;

std::optional<std::string> on_scratch_context(const std::string& path,
                                              std::optional<std::string> (*load)(SSL_CTX*, const std::string&)) {
  ScratchContext context(SSL_CTX_new(TLS_client_method()), &SSL_CTX_free);
  if (!context) return openssl_reason("cannot create a TLS context");
  return load(context.get(), path);
}

}  // namespace

std::optional<std::string> add_ca_bundle(SSL_CTX* context, const std::string& path) {
  ERR_clear_error();
  if (SSL_CTX_load_verify_locations(context, path.c_str(), nullptr) != 1) {
    return "not a PEM CA bundle (" + openssl_reason("no certificate found") + ")";
  }
  return std::nullopt;
}

std::optional<std::string> use_client_identity(SSL_CTX* context, const std::string& cert_path, const std::string& key_path) {
  ERR_clear_error();
  if (SSL_CTX_use_certificate_chain_file(context, cert_path.c_str()) != 1) {
    return "no PEM certificate in it (" + openssl_reason("unreadable") + ")";
  }
  const auto& key_file = key_path.empty() ? cert_path : key_path;
  if (SSL_CTX_use_PrivateKey_file(context, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    return "no PEM private key in it (" + openssl_reason("unreadable") + ")";
  }
  if (SSL_CTX_check_private_key(context) != 1) {
    return "its private key does not belong to its certificate (" + openssl_reason("mismatch") + ")";
  }
  return std::nullopt;
}

std::optional<std::string> ca_bundle_problem(const std::string& path) { return on_scratch_context(path, add_ca_bundle); }

std::optional<std::string> client_identity_problem(const std::string& path) {
  return on_scratch_context(path, [](SSL_CTX* context, const std::string& file) { return use_client_identity(context, file); });
}

}  // namespace katabot::client
