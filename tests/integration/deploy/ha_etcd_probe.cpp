// Usage: ha_etcd_probe CONFIG — what a replica does first with etcd, through katabot's own
// configuration loader and etcd client: log in, take a lease, write the leader key, keep the lease
// alive and give it up; and a write outside coordination.key_prefix must be refused. Run by
// ha_deploy_test.sh against an etcd started with deploy/ha's settings; prints each step, exits 0
// when every step went as a replica needs, 1 otherwise.
#include <future>
#include <iostream>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "bot/config.hpp"
#include "bot/coordination/etcd_client.hpp"
#include "bot/coordination/etcd_codec.hpp"

namespace coordination = katabot::coordination;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

int failures = 0;

void report(bool passed, const std::string& step, const std::string& detail) {
  std::cout << (passed ? "ok: " : "FAIL: ") << step << (detail.empty() ? "" : ": " + detail) << "\n";
  if (!passed) ++failures;
}

template <class T>
coordination::Outcome<T> run(boost::asio::io_context& io, boost::asio::awaitable<coordination::Outcome<T>> call) {
  auto future = boost::asio::co_spawn(io, std::move(call), boost::asio::use_future);
  io.restart();
  io.run_for(15s);
  if (future.wait_for(0s) != std::future_status::ready) return {std::nullopt, coordination::Failure::unreachable, "no end"};
  return future.get();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: ha_etcd_probe CONFIG\n";
    return 2;
  }
  katabot::Diagnostics diagnostics;
  const auto config = katabot::load_config(argv[1], katabot::process_environment(), diagnostics);
  for (const auto& diagnostic : diagnostics) std::cerr << diagnostic.to_string() << "\n";
  if (!config) return 1;
  const auto& settings = config->coordination;

  boost::asio::io_context io;
  coordination::EtcdClient client(io.get_executor(),
                                  coordination::EtcdClientSettings::from(settings.etcd, settings.request_timeout));
  const auto deadline = [] { return Clock::now() + 5s; };

  const auto grant = run(io, client.grant(settings.lease_ttl.count(), deadline()));
  report(grant.value.has_value(), "log in and take a lease", grant.detail);
  if (!grant.value) return 1;
  const auto lease = grant.value->id;

  const auto leader_key = settings.key_prefix + "leader";
  const auto taken = run(io, client.txn(coordination::create_if_absent_body(leader_key, settings.identity, lease), deadline()));
  report(taken.value && taken.value->succeeded, "write " + leader_key + " on the lease", taken.detail);

  const auto alive = run(io, client.keepalive(lease, deadline()));
  report(alive.value && alive.value->ttl_seconds > 0, "keep the lease alive", alive.detail);

  const auto outside = run(io, client.txn(coordination::create_if_absent_body("/elsewhere", settings.identity, 0), deadline()));
  report(outside.failure == coordination::Failure::rejected, "a write outside " + settings.key_prefix + " is refused",
         outside.detail.empty() ? "it was accepted" : outside.detail);

  const auto revoked = run(io, client.revoke(lease, deadline()));
  report(revoked.value.has_value(), "give the lease up", revoked.detail);
  const auto gone = run(io, client.range(leader_key, deadline()));
  report(gone.value && gone.value->kvs.empty(), leader_key + " went with the lease", gone.detail);
  return failures == 0 ? 0 : 1;
}
