// The fake Slack as a program, for scripts that run the real katabot against it (tests/bench/e2e.py,
// tests/ha/). It prints "api_base URL" and then answers one command per line on stdin, one line each
// on stdout (`posts` adds its records after its line):
//   wait_hello MS        → "hello" | "timeout"             a Socket Mode connection said hello
//   wait_connections N MS → "connections OPEN"              until N Socket Mode connections are open
//                          at once (several replicas), or MS ran out; OPEN is the number open then
//   posts                → "posts N", then N lines of JSON, oldest first, one per chat.postMessage
//                          received: {"channel","text","metadata","token","at"}; token tells which
//                          client posted (each replica has its own), at is the wall clock in seconds
//   acks N MS            → "acks ACKED LOST P50_US P99_US MAX_US"
//                          N message envelopes, one at a time, each waiting up to MS for its ack;
//                          the latency is the fake's own: envelope queued → ack frame read
//   flood N MS           → "flood ACKED LOST"                N envelopes at once, then up to MS for the acks
//   quit
#include <algorithm>
#include <chrono>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "fake_slack.hpp"

using namespace katabot::test;

namespace {

// Channel messages "!conduct" from 50 users in turn, each with its own envelope and event id.
class Envelopes {
 public:
  explicit Envelopes(FakeSlack& slack) : slack_(slack) {}

  // Sends the next one; its envelope_id.
  std::string send() {
    const auto n = std::to_string(++sent_);
    const auto user = "UBENCH" + std::to_string(sent_ % 50);
    slack_.send_envelope(event_envelope("bench-" + n, "EvBENCH" + n,
                                        {{"type", "message"}, {"channel", "C0BENCH"}, {"channel_type", "channel"},
                                         {"user", user}, {"text", "!conduct"}, {"ts", "1700000000." + n}}));
    return "bench-" + n;
  }

 private:
  FakeSlack& slack_;
  int sent_ = 0;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  return sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

std::string measure_acks(FakeSlack& slack, Envelopes& envelopes, int count, std::chrono::milliseconds wait) {
  std::vector<double> micros;
  int lost = 0;
  for (int i = 0; i < count; ++i) {
    const auto ack = slack.wait_ack(envelopes.send(), deadline_in(wait));
    if (!ack || !ack->sent) {
      ++lost;
      continue;
    }
    micros.push_back(std::chrono::duration<double, std::micro>(ack->at - *ack->sent).count());
  }
  std::sort(micros.begin(), micros.end());
  std::ostringstream out;
  out << "acks " << micros.size() << " " << lost << " " << percentile(micros, 0.5) << " " << percentile(micros, 0.99)
      << " " << (micros.empty() ? 0 : micros.back());
  return out.str();
}

std::string flood(FakeSlack& slack, Envelopes& envelopes, int count, std::chrono::milliseconds wait) {
  std::vector<std::string> ids;
  for (int i = 0; i < count; ++i) ids.push_back(envelopes.send());
  const auto deadline = deadline_in(wait);
  int acked = 0;
  for (const auto& id : ids) acked += slack.wait_ack(id, deadline) ? 1 : 0;
  return "flood " + std::to_string(acked) + " " + std::to_string(count - acked);
}

// The steady arrival time of a call on the wall clock, so that a script can set posts beside the
// other processes' logs.
double wall_seconds(std::chrono::steady_clock::time_point at) {
  const auto age = std::chrono::steady_clock::now() - at;
  return std::chrono::duration<double>((std::chrono::system_clock::now() - age).time_since_epoch()).count();
}

void print_posts(const FakeSlack& slack) {
  const auto posts = slack.calls("chat.postMessage");
  std::cout << "posts " << posts.size() << "\n";
  constexpr std::string_view bearer = "Bearer ";
  for (const auto& post : posts) {
    const auto fields = post.json();
    const auto field = [&](const char* name) { return fields.is_object() && fields.contains(name) ? fields[name] : nullptr; };
    const auto token = post.authorization.starts_with(bearer) ? post.authorization.substr(bearer.size()) : post.authorization;
    std::cout << nlohmann::json{{"channel", field("channel")}, {"text", field("text")}, {"metadata", field("metadata")},
                                {"token", token}, {"at", wall_seconds(post.at)}}
                     .dump()
              << "\n";
  }
  std::cout << std::flush;
}

}  // namespace

int main() {
  FakeSlack slack;
  Envelopes envelopes(slack);
  std::cout << "api_base " << slack.api_base() << std::endl;
  std::string line;
  while (std::getline(std::cin, line)) {
    std::istringstream words(line);
    std::string command;
    long count = 0;
    long millis = 0;
    words >> command >> count >> millis;
    if (command == "quit") break;
    if (command == "wait_hello") {
      std::cout << (slack.wait_hellos(1, deadline_in(std::chrono::milliseconds(count))) ? "hello" : "timeout") << std::endl;
    } else if (command == "wait_connections" && count > 0 && millis >= 0) {
      slack.wait_open_connections(static_cast<int>(count), deadline_in(std::chrono::milliseconds(millis)));
      std::cout << "connections " << slack.open_connections() << std::endl;
    } else if (command == "posts") {
      print_posts(slack);
    } else if (command == "acks" && count > 0 && millis > 0) {
      std::cout << measure_acks(slack, envelopes, static_cast<int>(count), std::chrono::milliseconds(millis)) << std::endl;
    } else if (command == "flood" && count > 0 && millis > 0) {
      std::cout << flood(slack, envelopes, static_cast<int>(count), std::chrono::milliseconds(millis)) << std::endl;
    } else {
      std::cout << "error unknown command: " << line << std::endl;
    }
  }
  return 0;
}
