#pragma once
// Loading the files a TLS client trusts (a CA bundle) and presents (a client certificate), the one
// place that decides whether they are usable. The configuration checks them at start-up with
// these functions, the same way for IRC and Slack; the context factory loads them with the same
// code. OpenSSL only: no Asio here.
#include <optional>
#include <string>

struct ssl_ctx_st;  // OpenSSL's SSL_CTX

namespace katabot::client {

// Adds the certificates of a PEM bundle to the trusted anchors of `context`. The reason (OpenSSL's
// words) when the file cannot be read or holds no certificate.
std::optional<std::string> add_ca_bundle(ssl_ctx_st* context, const std::string& path);
// Presents a PEM certificate chain and its private key (CertFP, etcd client auth), both in
// `cert_path` or the key in `key_path`. The reason when a file cannot be read, lacks what it should
// hold, or the key does not belong to the certificate.
std::optional<std::string> use_client_identity(ssl_ctx_st* context, const std::string& cert_path,
                                               const std::string& key_path = {});

// The same checks on a scratch context, for the configuration: nullopt when the file is usable.
std::optional<std::string> ca_bundle_problem(const std::string& path);
std::optional<std::string> client_identity_problem(const std::string& path);

}  // namespace katabot::client
