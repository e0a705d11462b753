#include "bot/irc/irc_adapter.hpp"

#include <algorithm>
#include <array>
#include <deque>
#include <functional>
#include <map>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <spdlog/spdlog.h>

#include "bot/backoff.hpp"
#include "bot/backoff_sleep.hpp"
#include "bot/net/no_throw.hpp"
#include "bot/net/tls_context.hpp"
#include "bot/irc/irc_transport.hpp"
#include "bot/irc/line_framer.hpp"
#include "bot/render.hpp"

namespace katabot {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using boost::system::error_code;
using steady = std::chrono::steady_clock;

namespace {

const Labels irc_labels = {{"platform", "irc"}};
// Posts waiting for one channel to be joined; more are told to retry later.
constexpr std::size_t max_posts_waiting_per_channel = 16;
// What a post waiting for its channel tells the caller when the wait ends: the next attempt waits
// again, so a short pause is enough.
constexpr std::chrono::seconds retry_unjoined_after{1};

bool is_chat_line(std::string_view line) { return line.rfind("PRIVMSG ", 0) == 0 || line.rfind("NOTICE ", 0) == 0; }

}  // namespace

struct IrcAdapter::Wait {
  explicit Wait(asio::any_io_executor executor) : timer(executor) {}
  asio::steady_timer timer;
};

// One connection: a reader, a writer and a ticker coroutine around a sans-I/O Session. The writer
// alone touches the socket for output: urgent lines at once, then, paced by the flood buckets, the
// session's own lines (JOIN, NICK) and the answers, served fairly per asker.
class IrcAdapter::Connection {
 public:
  Connection(IrcAdapter& adapter, asio::any_io_executor executor)
      : adapter_(adapter),
        transport_(executor, adapter.tls_context_),
        session_(adapter.session_settings_, adapter.channels_, steady::now()),
        flood_(adapter.tuning_.flood, steady::now()),
        wake_(executor),
        ticker_(executor),
        answers_(adapter.tuning_.queue) {}

  ~Connection() { fail_queue(); }

  asio::awaitable<bool> connect() {
    irc::TransportSettings settings{adapter_.config_.host,          adapter_.config_.port,
                                    adapter_.config_.tls,           adapter_.tuning_.resolve_timeout,
                                    adapter_.tuning_.connect_timeout, adapter_.tuning_.handshake_timeout};
    const auto error = co_await transport_.connect(settings);
    co_return !error;
  }

  // Runs until the link ends; returns how long it stayed registered.
  asio::awaitable<steady::duration> run() {
    irc::SessionEvents events;
    session_.start(events);
    apply(events);
    co_await (read_loop() || write_loop() || tick_loop());
    close();
    fail_queue();
    co_return registered_at_ ? steady::now() - *registered_at_ : steady::duration::zero();
  }

  bool ready() const { return !closed_ && session_.ready(); }
  bool can_post_to(std::string_view target) const { return !closed_ && session_.can_post_to(target); }
  bool registered() const { return !closed_ && session_.registered(); }
  const irc::Session& session() const { return session_; }
  bool banned() const { return banned_; }

  // Registered: QUIT and wait briefly for the server to close. Still connecting: just close.
  void quit(std::string_view reason) {
    if (!session_.registered()) return close();
    enqueue("QUIT :" + std::string(reason), true, false, false);
    quit_deadline_ = steady::now() + adapter_.tuning_.quit_grace;
    ticker_.cancel();  // the tick loop re-arms for the deadline instead of waking at its next tick
  }

  // Queues one reply in `asker`'s lane (a casefolded nick; empty for announcements); `done` learns
  // whether its last line reached the socket.
  void send_lines(const std::string& asker, std::vector<std::string> lines, irc::FairQueue::Done done) {
    if (closed_) {
      if (done) done(false);
      return;
    }
    if (answers_.push(asker, std::move(lines), std::move(done))) wake_.cancel();
  }

  // Queues a post in the announcements' lane, followed by its receipt PING; `settled` learns
  // whether the server accepted it (see post_receipts.hpp).
  void post_lines(std::string_view target, std::vector<std::string> lines, std::function<void(PostOutcome)> settled) {
    const auto tracked = closed_ ? std::nullopt : session_.track_post(target, steady::now());
    if (!tracked) {
      return settled(PostOutcome::retry_later(retry_unjoined_after, closed_ ? "not connected" : "too many posts unconfirmed"));
    }
    lines.push_back(tracked->ping_line);
    post_verdicts_.emplace(tracked->id, std::move(settled));
    send_lines("", std::move(lines), [this, id = tracked->id](bool written) {
      if (!written) settle(id, PostOutcome::failed("not written: the link closed"));
    });
  }

 private:
  struct Queued {
    std::string line;
    bool secret = false;
  };

  void enqueue(std::string line, bool urgent, bool secret, bool ctcp_reply) {
    if (ctcp_reply) {
      if (!answers_.push_ctcp(std::move(line))) return;
    } else {
      (urgent ? urgent_ : protocol_).push_back(Queued{std::move(line), secret});
    }
    wake_.cancel();
  }

  void fail_queue() {
    // Not replayed after a reconnect: stale replies would arrive as a flood.
    urgent_.clear();
    protocol_.clear();
    answers_.clear();
    // Written, maybe seen, but never confirmed: the caller decides whether to post again.
    fail_posts("the link closed before the server confirmed the post");
  }

  void fail_posts(const std::string& why) {
    while (!post_verdicts_.empty()) settle(post_verdicts_.begin()->first, PostOutcome::failed(why));
  }

  void settle(std::uint64_t post_id, PostOutcome outcome) {
    const auto waiting = post_verdicts_.find(post_id);
    if (waiting == post_verdicts_.end()) return;
    auto settled = std::move(waiting->second);
    post_verdicts_.erase(waiting);
    settled(std::move(outcome));
  }

  void close() {
    closed_ = true;
    transport_.close();
    wake_.cancel();
    ticker_.cancel();
  }

  void apply(irc::SessionEvents& events) {
    for (auto& line : events.lines) enqueue(std::move(line.line), line.urgent, line.secret, line.ctcp_reply);
    for (const auto& message : events.messages) dispatch(message);
    for (auto& receipt : events.receipts) {
      settle(receipt.id, receipt.failure ? PostOutcome::failed(std::move(*receipt.failure)) : PostOutcome::delivered());
    }
    if (!events.joined.empty()) adapter_.wake_posts();
    if (!registered_at_ && session_.registered()) {
      adapter_.wake_posts();
      registered_at_ = steady::now();
      adapter_.metrics_.set_gauge(
          "katabot_last_connected_timestamp_seconds", irc_labels,
          std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count());
    }
    if (events.banned) banned_ = true;
    if (events.disconnect) {
      spdlog::warn("irc: closing the link: {}", *events.disconnect);
      close();
    }
  }

  Inbound inbound_for(const irc::ChatMessage& message) const {
    Inbound inbound;
    inbound.platform = Platform::irc;
    inbound.kind = message.is_private ? InboundKind::direct_message : InboundKind::channel_line;
    inbound.channel = message.is_private ? message.nick : message.target;
    inbound.user_id = message.nick;
    inbound.user_name = message.nick;
    inbound.account = message.account;
    inbound.text = message.text;
    inbound.bot_nick = session_.nick();
    return inbound;
  }

  void dispatch(const irc::ChatMessage& message) {
    const auto inbound = inbound_for(message);
    if (!message.account_checked && adapter_.needs_account_ && adapter_.needs_account_(inbound)) {
      // Handled once services have said who this is: the message comes back checked.
      irc::SessionEvents events;
      session_.look_up_account(message, steady::now(), events);
      apply(events);
      return;
    }
    std::optional<Reply> reply;
    try {
      reply = adapter_.handler_(inbound);
    } catch (const std::exception& error) {
      spdlog::error("irc: handling a message from {} failed: {}", message.nick, error.what());
    }
    if (!reply) return;
    auto limits = adapter_.tuning_.reply_limits;
    limits.line_limit = session_.support().linelen;
    const irc::ReplyAddress address{session_.own_prefix(), message.is_private ? "" : message.target, message.nick};
    send_lines(session_.support().fold(message.nick), irc::plan_reply_lines(render_irc_lines(*reply), address, limits), {});
  }

  asio::awaitable<void> read_loop() {
    irc::LineFramer framer;
    std::array<char, 16384> buffer;
    for (;;) {
      auto [error, size] = co_await transport_.read_some(asio::buffer(buffer));
      if (error) {
        if (!closed_) spdlog::warn("irc: connection lost: {}", error.message());
        break;
      }
      framer.feed(std::string_view(buffer.data(), size));
      // Every buffered line is handled before reading again.
      irc::SessionEvents events;
      while (auto line = framer.next_line()) {
        spdlog::debug("irc <- {}", *line);
        session_.on_line(*line, steady::now(), events);
        apply(events);
        events = {};
        if (closed_) break;
      }
      if (closed_) break;
    }
    close();
  }

  // The next line to write, or nullptr.
  const std::string* next_line() const {
    if (!urgent_.empty()) return &urgent_.front().line;
    if (!protocol_.empty()) return &protocol_.front().line;
    return answers_.empty() ? nullptr : &answers_.front();
  }

  // Takes the line next_line() showed out of its queue.
  std::pair<Queued, irc::FairQueue::Done> take_next() {
    for (auto* queue : {&urgent_, &protocol_}) {
      if (queue->empty()) continue;
      auto item = std::move(queue->front());
      queue->pop_front();
      return {std::move(item), {}};
    }
    auto answer = answers_.pop();
    return {Queued{std::move(answer.text), false}, std::move(answer.done)};
  }

  asio::awaitable<void> write_loop() {
    while (!closed_) {
      const bool paced = urgent_.empty();
      const auto* next = next_line();
      if (!next) {
        wake_.expires_at(steady::time_point::max());
        co_await wake_.async_wait(no_throw);
        continue;
      }
      if (paced) {
        const auto delay = flood_.delay_for(next->size() + 2, steady::now());
        if (delay > steady::duration::zero()) {
          adapter_.metrics_.increment("katabot_flood_waits_total", irc_labels);
          wake_.expires_after(delay);
          co_await wake_.async_wait(no_throw);
          continue;  // an urgent line may have arrived meanwhile
        }
        flood_.consume(next->size() + 2, steady::now());
      }
      auto [item, done] = take_next();
      if (is_chat_line(item.line) && !adapter_.may_speak()) {
        spdlog::warn("irc: not sending a message: this replica may not speak now (it is not the leader)");
        if (done) done(false);
        // A post's receipt PING would still pass and confirm lines that never went out.
        fail_posts("not sent: this replica may not speak now");
        continue;
      }
      spdlog::debug("irc -> {}", item.secret ? item.line.substr(0, item.line.find(' ')) + " <redacted>" : item.line);
      item.line += "\r\n";
      auto [error, written] = co_await transport_.write(asio::buffer(item.line));
      if (error) {
        if (done) done(false);
        if (!closed_) spdlog::warn("irc: write failed: {}", error.message());
        break;
      }
      if (is_chat_line(item.line)) adapter_.metrics_.increment("katabot_messages_out_total", irc_labels);
      if (done) done(true);
    }
    close();
  }

  asio::awaitable<void> tick_loop() {
    while (!closed_) {
      const auto next_tick = steady::now() + adapter_.tuning_.tick;
      ticker_.expires_at(quit_deadline_ ? std::min(next_tick, *quit_deadline_) : next_tick);
      co_await ticker_.async_wait(no_throw);
      if (closed_) break;
      const auto now = steady::now();
      if (quit_deadline_ && now >= *quit_deadline_) break;
      irc::SessionEvents events;
      session_.on_tick(now, events);
      apply(events);
    }
    close();
  }

  IrcAdapter& adapter_;
  irc::Transport transport_;
  irc::Session session_;
  irc::FloodControl flood_;
  asio::steady_timer wake_;
  asio::steady_timer ticker_;
  std::deque<Queued> urgent_;    // PONG, keepalive, registration, QUIT: unpaced
  std::deque<Queued> protocol_;  // the session's own lines after registration (JOIN, NICK): paced
  irc::FairQueue answers_;
  bool closed_ = false;
  bool banned_ = false;
  std::optional<steady::time_point> registered_at_;
  std::optional<steady::time_point> quit_deadline_;
  std::map<std::uint64_t, std::function<void(PostOutcome)>> post_verdicts_;  // by post id
};

IrcAdapter::IrcAdapter(asio::any_io_executor executor, IrcConfig config, std::string bot_name, InboundHandler handler,
                       Metrics& metrics, IrcTuning tuning, NeedsAccount needs_account, MaySpeak may_speak)
    : executor_(executor),
      config_(std::move(config)),
      handler_(std::move(handler)),
      needs_account_(std::move(needs_account)),
      may_speak_(std::move(may_speak)),
      metrics_(metrics),
      tuning_(std::move(tuning)),
      session_settings_(tuning_.session),
      channels_(config_.channels, tuning_.channel_retry),
      reconnect_wait_(std::make_unique<Wait>(executor)) {
  session_settings_.nick = config_.nick.empty() ? bot_name : config_.nick;
  session_settings_.alt_nicks = config_.alt_nicks;
  session_settings_.username = config_.username.empty() ? session_settings_.nick : config_.username;
  session_settings_.realname = config_.realname;
  session_settings_.nickserv_password = config_.nickserv_password;
  session_settings_.has_client_cert = config_.tls && !config_.client_cert.empty();
  session_settings_.version_reply = std::string("katabot ") + KATABOT_VERSION +
                                    " (Kata Containers community bot; https://katacontainers.io/community/)";
  if (config_.tls) {
    tls_context_ = client::make_tls_context({"irc", config_.ca_file, config_.client_cert, config_.tls_verify});
  }
  metrics_.increment("katabot_messages_out_total", irc_labels, 0);
  metrics_.increment("katabot_reconnects_total", irc_labels, 0);
  metrics_.increment("katabot_flood_waits_total", irc_labels, 0);
}

IrcAdapter::~IrcAdapter() = default;

bool IrcAdapter::ready() const { return connection_ && connection_->ready(); }

std::string IrcAdapter::current_nick() const {
  return connection_ && connection_->registered() ? connection_->session().nick() : std::string{};
}

asio::awaitable<bool> IrcAdapter::run_connection() {
  connection_ = std::make_unique<Connection>(*this, executor_);
  spdlog::info("irc: connecting to {}:{} ({})", config_.host, config_.port, config_.tls ? "TLS" : "plain TCP");
  if (!co_await connection_->connect() || stopping_) co_return false;
  const auto registered_for = co_await connection_->run();
  co_return registered_for >= tuning_.stable_session;
}

asio::awaitable<void> IrcAdapter::run() {
  Backoff backoff(tuning_.reconnect_first, tuning_.reconnect_cap);
  while (!stopping_) {
    const bool stable = co_await run_connection();
    const bool banned = connection_->banned();
    if (stopping_) break;
    connection_.reset();
    if (stable) backoff.reset();
    metrics_.increment("katabot_reconnects_total", irc_labels);
    const auto at_least = banned ? tuning_.after_ban : std::chrono::milliseconds::zero();
    if (!co_await sleep_with_backoff(reconnect_wait_->timer, backoff, "irc: reconnecting", at_least)) break;
  }
  connection_.reset();
}

void IrcAdapter::stop() {
  if (stopping_) return;
  stopping_ = true;
  reconnect_wait_->timer.cancel();
  wake_posts();
  if (connection_) connection_->quit("katabot shutting down");
}

bool IrcAdapter::may_speak() const { return !may_speak_ || may_speak_(); }

asio::awaitable<PostOutcome> IrcAdapter::post(std::string channel, Reply reply) {
  if (!may_speak()) co_return PostOutcome::retry_later(retry_unjoined_after, "this replica may not speak now");
  if (auto refused = co_await wait_until_postable(channel)) co_return std::move(*refused);
  auto limits = tuning_.reply_limits;
  limits.line_limit = connection_->session().support().linelen;
  const irc::ReplyAddress address{connection_->session().own_prefix(), channel, ""};
  auto lines = irc::plan_reply_lines(render_irc_lines(reply), address, limits);
  auto verdict = std::make_shared<std::optional<PostOutcome>>();
  auto signal = std::make_shared<asio::steady_timer>(executor_, steady::time_point::max());
  connection_->post_lines(channel, std::move(lines), [verdict, signal](PostOutcome outcome) {
    *verdict = std::move(outcome);
    signal->cancel();
  });
  // Bounded by the receipt timeout (SessionSettings::post_receipt_timeout) or the link closing.
  if (!*verdict) co_await signal->async_wait(no_throw);
  if (!*verdict) co_return PostOutcome::failed("cancelled before the server answered");
  co_return std::move(**verdict);
}

asio::awaitable<std::optional<PostOutcome>> IrcAdapter::wait_until_postable(const std::string& channel) {
  const auto deadline = steady::now() + tuning_.post_join_wait;
  Wait wait(executor_);
  wait.timer.expires_at(deadline);
  for (;;) {
    if (stopping_) co_return PostOutcome::failed("shutting down");
    if (connection_ && connection_->can_post_to(channel)) co_return std::nullopt;
    const auto waiting = std::count_if(post_waits_.begin(), post_waits_.end(),
                                       [&](const auto& other) { return other.first == channel; });
    if (steady::now() >= deadline || waiting >= static_cast<std::ptrdiff_t>(max_posts_waiting_per_channel)) {
      co_return PostOutcome::retry_later(retry_unjoined_after, "not in " + channel + " yet");
    }
    post_waits_.emplace_back(channel, &wait);
    co_await wait.timer.async_wait(no_throw);
    std::erase_if(post_waits_, [&](const auto& other) { return other.second == &wait; });
    const auto state = co_await asio::this_coro::cancellation_state;
    if (state.cancelled() != asio::cancellation_type::none) co_return PostOutcome::failed("cancelled");
  }
}

void IrcAdapter::wake_posts() {
  for (auto& [channel, wait] : post_waits_) wait->timer.cancel();
}

}  // namespace katabot
