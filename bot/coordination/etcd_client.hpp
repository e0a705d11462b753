#pragma once
// etcd v3's JSON gateway over HTTP/1.1 (plain or TLS, Beast in the .cpp): every call is a POST
// that returns by its deadline, tried on each endpoint in turn (starting with the last one that
// answered; one that failed is not started with again) until one answers, each attempt getting
// its share of what is left, so a member that accepts connections but never answers cannot eat
// the whole budget. A member that is not the raft leader forwards, so any live one does.
// Authenticates with a user and password when configured, again when the token expires.
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/coordination/etcd_codec.hpp"

namespace katabot {
struct EtcdConfig;
}

namespace katabot::coordination {

struct EtcdClientSettings {
  std::vector<std::string> endpoints;  // http(s)://host:port
  std::string api_prefix = "/v3";
  std::string ca_file;
  std::string cert_file;
  std::string key_file;
  std::string server_name;  // verified instead of the endpoint's host when set
  std::string username;
  std::string password;
  std::chrono::milliseconds request_timeout{2000};  // the most one endpoint attempt may take

  static EtcdClientSettings from(const EtcdConfig& config, std::chrono::milliseconds request_timeout);
};

enum class Failure {
  none,
  unreachable,  // no endpoint answered before the deadline (down, partitioned, no quorum)
  not_found,    // etcd's code 5: the lease (or key) does not exist
  rejected,     // a definite refusal (4xx): retrying elsewhere would not help
  unreadable,   // a 2xx whose body was not what the API promises
  too_large,    // the answer is over max_answer_bytes (every member would send the same)
};

template <class T>
struct Outcome {
  std::optional<T> value;
  Failure failure = Failure::none;
  std::string detail;  // what went wrong, for the log
};

class EtcdClient {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  EtcdClient(boost::asio::any_io_executor executor, EtcdClientSettings settings);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  boost::asio::awaitable<Outcome<LeaseGrant>> grant(std::int64_t ttl_seconds, time_point deadline);
  boost::asio::awaitable<Outcome<KeepAlive>> keepalive(std::int64_t lease_id, time_point deadline);
  boost::asio::awaitable<Outcome<bool>> revoke(std::int64_t lease_id, time_point deadline);
  boost::asio::awaitable<Outcome<TxnResult>> txn(std::string body, time_point deadline);
  // `key` as of `revision` (0: the latest).
  boost::asio::awaitable<Outcome<RangeResult>> range(std::string_view key, time_point deadline, std::int64_t revision = 0);
  // One page of the keys under `prefix` (RangeResult::more tells when there are more after it).
  boost::asio::awaitable<Outcome<RangeResult>> range_page(std::string_view prefix, RangePage page, time_point deadline);
  // put and remove (a delete) return the store's revision after the write.
  boost::asio::awaitable<Outcome<std::int64_t>> put(std::string_view key, std::string_view value, time_point deadline);
  boost::asio::awaitable<Outcome<std::int64_t>> remove(std::string_view key, time_point deadline);

  // Watches `key` on one endpoint (the next one each time), calling on_message for each message,
  // until the stream ends, fails, is silent for `idle_timeout` (a half-open connection looks
  // exactly like a quiet key), or cancel_watch(key). Failure::none when it ended or went quiet.
  // One watch per key at a time; watches on different keys (the elector's, the overrides') are
  // independent.
  boost::asio::awaitable<Failure> watch(std::string_view key, std::function<void(const WatchMessage&)> on_message,
                                        std::chrono::milliseconds idle_timeout);
  // The same for every key under `prefix`.
  boost::asio::awaitable<Failure> watch_prefix(std::string_view prefix,
                                               std::function<void(const WatchMessage&)> on_message,
                                               std::chrono::milliseconds idle_timeout);
  void cancel_watch(std::string_view key);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace katabot::coordination
