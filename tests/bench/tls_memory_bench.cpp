// Heap held by the TLS client contexts of a bot with TLS on IRC, Slack and etcd: each context
// parsing the system CA store itself (what make_tls_context did before the store was shared) against
// make_tls_context. Prints kB of heap in use (glibc mallinfo2); decides nothing.
#include <malloc.h>

#include <boost/asio/ssl/context.hpp>
#include <cstdio>
#include <memory>
#include <vector>

#include "bot/net/tls_context.hpp"

namespace {

namespace asio = boost::asio;

double heap_kb() { return static_cast<double>(mallinfo2().uordblks) / 1024.0; }

// The three owners of a production bot: IRC (CertFP would be a client_cert; a different verify
// setting makes a different context the same way), Slack, etcd.
const std::vector<katabot::client::TlsClientOptions> owners{
    {.owner = "irc", .verify = true}, {.owner = "slack"}, {.owner = "etcd-unverified-for-the-bench", .verify = false}};

}  // namespace

int main() {
  const auto empty = heap_kb();
  {
    std::vector<std::unique_ptr<asio::ssl::context>> own_stores;
    for (std::size_t i = 0; i < owners.size(); ++i) {
      own_stores.push_back(std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client));
      own_stores.back()->set_default_verify_paths();
      std::printf("each context loads the system store: %zu context(s): %8.0f kB of heap\n", i + 1, heap_kb() - empty);
    }
  }
  const auto before = heap_kb();
  std::vector<std::shared_ptr<asio::ssl::context>> shared;
  for (std::size_t i = 0; i < owners.size(); ++i) {
    shared.push_back(katabot::client::make_tls_context(owners[i]));
    std::printf("make_tls_context (one shared store):  %zu context(s): %8.0f kB of heap\n", i + 1, heap_kb() - before);
  }
}
