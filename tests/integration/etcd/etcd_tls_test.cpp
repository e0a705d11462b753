// etcd over https: the client verifies the members' certificate against the configured CA and
// their name (the endpoint's host, or coordination.etcd.tls.server_name), and refuses otherwise.
#include <boost/asio/ip/tcp.hpp>
#include <catch2/catch.hpp>

#include "bot/coordination/etcd_client.hpp"
#include "tests/integration/etcd/etcd_cluster.hpp"

using namespace katabot::coordination;
using katabot::test::EtcdCluster;
using katabot::test::finish;
using Clock = std::chrono::steady_clock;

TEST_CASE("the client talks to etcd over verified TLS and refuses a certificate for another name", "[etcd][tls]") {
  using namespace std::chrono_literals;
  katabot::test::TempDir certificates("katabot-etcd-certs");
  const auto files = katabot::test::make_test_certificates(certificates.path());

  SECTION("the certificate names 127.0.0.1") {
    EtcdCluster cluster(3, katabot::test::EtcdTls{files.server_cert, files.server_key});
    REQUIRE(cluster.wait_healthy());
    boost::asio::io_context io;
    EtcdClient client(io.get_executor(), {cluster.tls_endpoints(), "/v3", files.ca.string(), {}, {}, {}, {}, {}, 2s});
    const auto grant = finish(io, client.grant(10, Clock::now() + 5s));
    INFO(grant.detail);
    REQUIRE(grant.value);
    CHECK(grant.value->ttl_seconds == 10);

    // Without the CA, nothing is trusted: the system store does not know ours.
    EtcdClient untrusting(io.get_executor(), {cluster.tls_endpoints(), "/v3", {}, {}, {}, {}, {}, {}, 1s});
    const auto refused = finish(io, untrusting.range("/x", Clock::now() + 2s));
    CHECK(refused.failure == Failure::unreachable);
    CHECK_THAT(refused.detail, Catch::Contains("certificate verify failed"));

    // Listed after it, a port that takes connections and never speaks: every round ends in its
    // time-out, and the operator still hears the cause.
    boost::asio::ip::tcp::acceptor silent(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    const auto silent_endpoint = "https://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
    EtcdClient misled(io.get_executor(), {{cluster.tls_endpoints().front(), silent_endpoint}, "/v3", {}, {}, {}, {}, {}, {}, 1s});
    const auto hidden = finish(io, misled.range("/x", Clock::now() + 2s));
    CHECK(hidden.failure == Failure::unreachable);
    CHECK_THAT(hidden.detail, Catch::Contains("certificate verify failed"));
  }
  SECTION("the certificate names wrong.example") {
    EtcdCluster cluster(3, katabot::test::EtcdTls{files.wrong_cert, files.wrong_key});
    REQUIRE(cluster.wait_healthy());
    boost::asio::io_context io;
    EtcdClient by_address(io.get_executor(), {cluster.tls_endpoints(), "/v3", files.ca.string(), {}, {}, {}, {}, {}, 1s});
    const auto refused = finish(io, by_address.range("/x", Clock::now() + 2s));
    CHECK(refused.failure == Failure::unreachable);

    EtcdClient by_name(io.get_executor(),
                       {cluster.tls_endpoints(), "/v3", files.ca.string(), {}, {}, "wrong.example", {}, {}, 2s});
    const auto range = finish(io, by_name.range("/x", Clock::now() + 5s));
    INFO(range.detail);
    CHECK(range.value);
  }
}
