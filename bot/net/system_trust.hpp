#pragma once
// Where the system's trust anchors come from, and how they reach a store. OpenSSL only: no Asio.
//
// SSL_CERT_FILE / SSL_CERT_DIR, when the operator sets either, are used the way OpenSSL's default
// paths use them: the bundle parsed at once, the directory read on demand. Otherwise, when the
// distribution's certificate directory holds hashed names (Debian: update-ca-certificates), only
// that directory: OpenSSL reads the one root a peer's chain names, at the handshake, instead of
// parsing the ~140 roots of the bundle at start (0.65 MB of heap and 0.4 MB of libcrypto pages,
// tests/bench/RESULTS.md "Memory"). The directory and the bundle hold the same roots there. A
// system without a hashed directory gets the bundle and the directory, as OpenSSL's defaults do.
#include <optional>
#include <string>

struct x509_store_st;  // OpenSSL's X509_STORE

namespace katabot::client {

struct TrustSources {
  std::optional<std::string> file_from_environment;  // SSL_CERT_FILE
  std::optional<std::string> directory_from_environment;  // SSL_CERT_DIR
  std::string default_file;       // OpenSSL's built-in bundle path (Debian: /usr/lib/ssl/cert.pem)
  std::string default_directory;  // OpenSSL's built-in directory (Debian: /usr/lib/ssl/certs)

  static TrustSources from_environment();
};

// Adds the anchors of `sources` to `store`; false when none of them could be used.
bool add_system_trust(x509_store_st* store, const TrustSources& sources);

}  // namespace katabot::client
