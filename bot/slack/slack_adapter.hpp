#pragma once
// Slack as a chat adapter: Socket Mode for what users say (slash commands, mentions, DMs, channel
// lines where the app is subscribed), the Web API for answers and reminders. Envelopes are
// acknowledged as soon as their frame is read, before any slow work; retried deliveries are
// answered once. Beast stays in the .cpp files.
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include "bot/adapter.hpp"
#include "bot/config.hpp"
#include "bot/inbound.hpp"
#include "bot/metrics.hpp"
#include "bot/slack/slack_core.hpp"
#include "handlers/clock.hpp"

namespace katabot::coordination {
class EtcdEventClaims;
}

namespace katabot {

// Liveness and retry timings; production uses the defaults, tests shorten them.
struct SlackTimings {
  std::chrono::milliseconds ping_interval{5000};
  std::chrono::milliseconds silence_timeout{20000};   // no frame and no pong for this long: reconnect
  std::chrono::milliseconds hello_timeout{10000};     // socket open, no hello for this long: reconnect
  std::chrono::milliseconds connect_timeout{10000};   // TCP + TLS + WebSocket handshake, each step
  std::chrono::milliseconds close_timeout{3000};      // WebSocket close handshake
  std::chrono::milliseconds first_retry{1000};
  std::chrono::milliseconds max_retry{180000};
  std::chrono::milliseconds user_lookup_timeout{2000};  // users.info before answering an event
  std::chrono::milliseconds post_spacing{1000};         // chat.postMessage per channel
  std::chrono::milliseconds request_timeout{10000};     // each step of a Web API call
  std::size_t max_frame_bytes = 1024 * 1024;            // bigger frames are read to their end and dropped
};

using slack::AckLatency;

struct SlackDriver;

class SlackAdapter final : public ChatAdapter {
 public:
  // With `event_claims` (other replicas serve Slack too) each event is claimed across replicas
  // before it is answered, so a retry that lands on another replica is answered once.
  SlackAdapter(boost::asio::any_io_executor executor, SlackConfig config, InboundHandler handler, Metrics& metrics,
               const Clock& clock, SlackTimings timings = {},
               std::shared_ptr<coordination::EtcdEventClaims> event_claims = nullptr);
  ~SlackAdapter() override;
  SlackAdapter(const SlackAdapter&) = delete;
  SlackAdapter& operator=(const SlackAdapter&) = delete;

  Platform platform() const override { return Platform::slack; }
  bool ready() const override;
  boost::asio::awaitable<void> run() override;
  void stop() override;
  // chat.postMessage with the reply's post_key (or a key of its own) as message metadata; after
  // an ambiguous failure it is repeated only once the channel's history shows it is not there.
  boost::asio::awaitable<PostOutcome> post(std::string channel, Reply reply) override;
  boost::asio::awaitable<bool> find_posted(std::string channel, std::string key,
                                           std::chrono::system_clock::time_point since) override;

  AckLatency ack_latency() const;
  // The bot's own user id from auth.test; empty until it answered.
  std::string bot_user_id() const;

 private:
  std::shared_ptr<SlackDriver> driver_;
};

}  // namespace katabot
