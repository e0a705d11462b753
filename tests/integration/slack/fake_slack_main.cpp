// The fake Slack as a program, for scripts that run the real katabot against it (tests/bench/e2e.py).
// It prints "api_base URL" and then answers one command per line on stdin, one line each on stdout:
//   wait_hello MS        → "hello" | "timeout"             a Socket Mode connection said hello
//   acks N MS            → "acks ACKED LOST P50_US P99_US MAX_US"
//                          N message envelopes, one at a time, each waiting up to MS for its ack;
//                          the latency is the fake's own: envelope queued → ack frame read
//   flood N MS           → "flood ACKED LOST"                N envelopes at once, then up to MS for the acks
//   quit
#include <algorithm>
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
