#pragma once
// The one TLS client context factory, for IRC, Slack, etcd and the link checker: the system store
// plus an optional CA bundle, an optional client certificate, TLS 1.2 at least.
//
// Memory: the system CA store (OpenSSL's defaults: the bundle, Debian's ~140 roots parsed into
// ~0.8 MB of heap, and the hashed directory read on demand) is made once per process and shared by
// every context that adds no bundle of its own, and callers asking for the same options share one
// context object. SSL_CERT_FILE=/dev/null leaves the directory alone (README, "Running it for real"). Verification does not depend on sharing:
// the store is read-only once loaded, and the peer's name is set per connection (connect_tls).
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace katabot::client {

struct TlsClientOptions {
  std::string owner;        // who asks, for the log: "irc", "slack", "--check-links"
  std::string ca_file;      // extra trust anchors; the system store is trusted as well
  std::string client_cert;  // PEM with the certificate chain (and the key when client_key is empty)
  bool verify = true;       // false only where an operator wrote irc.tls_verify: false
  std::string client_key;   // PEM private key, when it is not in client_cert (etcd's key_file)
};

// Never null. Callers with equal options (the owner aside) get the same context while one of them
// holds it. A file that cannot be loaded (the configuration refuses such files at start-up, so only
// one changed since then) is logged, and the context then trusts nothing: every connection fails
// its handshake rather than running without the anchor or identity the operator asked for.
// Not to be changed by its users: it is shared.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsClientOptions& options);

}  // namespace katabot::client
