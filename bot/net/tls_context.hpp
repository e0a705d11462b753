#pragma once
// The one TLS client context factory, for IRC, Slack and the link checker: the system store plus
// an optional CA bundle, an optional client certificate, TLS 1.2 at least.
#include <memory>
#include <string>

namespace boost::asio::ssl {
class context;
}

namespace katabot::client {

struct TlsClientOptions {
  std::string owner;        // who asks, for the log: "irc", "slack", "--check-links"
  std::string ca_file;      // extra trust anchors; the system store is trusted as well
  std::string client_cert;  // PEM with certificate and key (IRC CertFP); empty: none
  bool verify = true;       // false only where an operator wrote irc.tls_verify: false
};

// Never null. A file that cannot be loaded (the configuration refuses such files at start-up, so
// only one changed since then) is logged, and the context then trusts nothing: every connection
// fails its handshake rather than running without the anchor or identity the operator asked for.
std::shared_ptr<boost::asio::ssl::context> make_tls_context(const TlsClientOptions& options);

}  // namespace katabot::client
