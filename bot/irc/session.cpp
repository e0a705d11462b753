#include "bot/irc/session.hpp"

#include <algorithm>
#include <charconv>
#include <ctime>

#include <spdlog/spdlog.h>

#include "bot/base64.hpp"
#include "bot/irc/outgoing_text.hpp"

namespace katabot::irc {
namespace {

const std::set<std::string, std::less<>> wanted_caps = {"multi-prefix", "message-tags", "account-tag",
                                                        "extended-join", "server-time"};

std::vector<std::string_view> words(std::string_view text) {
  std::vector<std::string_view> out;
  while (!text.empty()) {
    const auto end = text.find(' ');
    if (end != 0) out.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return out;
}

std::string uppercase(std::string_view text) {
  Message as_verb;
  as_verb.verb = std::string(text);
  return as_verb.command();
}

// Every field is stripped of CR, LF and NUL here, the lowest layer, whatever its origin.
std::string make_line(std::string_view verb, std::initializer_list<std::string_view> params) {
  Message message;
  message.verb = std::string(verb);
  for (const auto param : params) message.params.push_back(sanitize_param(param));
  return serialize(message);
}

std::string http_date_now() {
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char text[64];
  const auto size = std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return std::string(text, size);
}

int numeric_of(std::string_view command) {
  int value = 0;
  const auto [end, error] = std::from_chars(command.data(), command.data() + command.size(), value);
  return error == std::errc{} && end == command.data() + command.size() && command.size() == 3 ? value : 0;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

}  // namespace

Session::Session(SessionSettings settings, ChannelSet& channels, time_point now)
    : settings_(std::move(settings)),
      channels_(channels),
      connected_at_(now),
      last_received_(now),
      ctcp_budget_(settings_.ctcp_budget, now),
      accounts_(settings_.account_lookup),
      receipts_(settings_.post_receipt_timeout, settings_.max_posts_unconfirmed) {
  nick_ = settings_.nick;
  channels_.set_casemapping(support_.casemapping);
  channels_.on_connected();
}

void Session::send(SessionEvents& out, std::string line, bool urgent, bool secret) {
  // Before 001 the handful of registration lines go unpaced: hybrid-family servers give new
  // connections a burst allowance, and pacing CAP/NICK/USER only delays joining.
  out.lines.push_back(OutgoingLine{std::move(line), urgent || !registered_, secret});
}

std::string Session::own_prefix() const {
  return user_host_.empty() ? assumed_prefix(nick_, settings_.username) : nick_ + "!" + user_host_;
}

bool Session::can_post_to(std::string_view target) const {
  return registered_ && (channels_.is_joined(target) || !channels_.wants(target));
}

std::optional<PostReceipts::Tracked> Session::track_post(std::string_view target, time_point now) {
  return receipts_.track(support_.fold(target), now);
}

bool Session::is_me(std::string_view nick) const { return support_.fold(nick) == support_.fold(nick_); }

// Another replica (a stale session after a failover) may hold any nick we would take; answering it
// would make two bots answer each other's reminders forever.
bool Session::is_one_of_our_nicks(std::string_view nick) const {
  const auto folded = support_.fold(nick);
  if (folded == support_.fold(nick_) || folded == support_.fold(settings_.nick)) return true;
  for (const auto& alternate : settings_.alt_nicks) {
    if (folded == support_.fold(alternate)) return true;
  }
  return is_generated_nick(folded);
}

bool Session::is_generated_nick(std::string_view folded_nick) const {
  const auto base = support_.fold(settings_.nick.substr(0, std::min<std::size_t>(settings_.nick.size(), generated_base_length)));
  if (folded_nick.size() != base.size() + 2 || folded_nick.substr(0, base.size()) != base) return false;
  const auto digits = folded_nick.substr(base.size());
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void Session::start(SessionEvents& out) {
  send(out, "CAP LS 302");
  send(out, make_line("NICK", {nick_}));
  send(out, make_line("USER", {settings_.username, "0", "*", settings_.realname}));
}

void Session::on_line(std::string_view line, time_point now, SessionEvents& out) {
  last_received_ = now;
  ping_sent_at_.reset();
  const auto message = parse_message(line);
  if (!message) {
    spdlog::debug("irc: dropped unparsable line ({} bytes)", line.size());
    return;
  }
  on_message(*message, now, out);
}

void Session::on_message(const Message& message, time_point now, SessionEvents& out) {
  const auto command = message.command();
  const auto numeric = numeric_of(command);
  const auto source_nick = split_userhost(message.source).nick;

  if (command == "PONG" && !message.params.empty()) {
    receipts_.on_pong(message.params.back(), out.receipts);
  } else if (numeric == 401 || numeric == 403 || numeric == 404 || numeric == 442) {
    receipts_.on_refusal(support_.fold(message.param(1)), std::to_string(numeric) + " " +
                                                          sanitize_param(message.param(1)) + ": " +
                                                          sanitize_param(message.param(2)));
  }

  if (command == "PING") {
    send(out, make_line("PONG", {message.params.empty() ? std::string_view("katabot") : message.params.back()}), true);
  } else if (command == "PRIVMSG") {
    handle_privmsg(message, now, out);
  } else if (command == "NOTICE") {
    // Never answered (loop prevention); only services' verdicts matter.
    if (support_.fold(source_nick) == "nickserv") {
      const auto text = message.param(1);
      if (contains(text, "successfully identified") || contains(text, "automatically identified") ||
          contains(text, "now identified")) {
        on_identified();
      } else if (contains(text, "failed") || contains(text, "incorrect") || contains(text, "Invalid password")) {
        spdlog::warn("irc: NickServ did not accept our identification; joining without it");
        awaiting_identification_ = false;
      }
    }
  } else if (command == "CAP") {
    handle_cap(message, out);
  } else if (command == "AUTHENTICATE") {
    handle_authenticate(message, out);
  } else if (command == "ERROR") {
    const auto reason = message.param(0);
    out.disconnect = "server closed the link: " + std::string(reason);
    // K-/D-/G-lines are bans too: hammering the server with reconnects escalates them.
    out.banned = contains(reason, "-lined") || contains(reason, "-Lined") || contains(reason, "banned");
  } else if (command == "JOIN" && is_me(source_nick)) {
    const auto userhost = split_userhost(message.source);
    if (!userhost.user.empty() && !userhost.host.empty()) user_host_ = userhost.user + "@" + userhost.host;
    spdlog::info("irc: joined {}", message.param(0));
    channels_.on_joined(message.param(0));
    out.joined.emplace_back(message.param(0));
  } else if (command == "PART" && is_me(source_nick)) {
    spdlog::warn("irc: parted from {} by the server", message.param(0));
    channels_.on_kicked(message.param(0), now);
  } else if (command == "KICK" && is_me(message.param(1))) {
    spdlog::warn("irc: kicked from {} by {}: {}", message.param(0), source_nick, message.param(2));
    channels_.on_kicked(message.param(0), now);
  } else if (command == "NICK" && is_me(source_nick)) {
    nick_ = std::string(message.param(0));
    spdlog::info("irc: now known as {}", nick_);
  } else if (command == "NICK" || command == "QUIT") {
    accounts_.forget(support_.fold(source_nick));
    if (command == "NICK") accounts_.forget(support_.fold(message.param(0)));
  } else if (numeric == 330) {
    accounts_.on_account(support_.fold(message.param(1)), std::string(message.param(2)));
  } else if (numeric == 307) {
    // OFTC: identified for this very nick, so the nick is the account.
    accounts_.on_account(support_.fold(message.param(1)), std::string(message.param(1)));
  } else if (numeric == 318) {
    accounts_.on_end(support_.fold(message.param(1)), now, out.messages);
  } else if (command == "MODE" && is_me(message.param(0))) {
    bool adding = true;
    for (const char c : message.param(1)) {
      if (c == '+' || c == '-') adding = c == '+';
      if (c == 'R') adding ? on_identified() : void(identified_ = false);
    }
  } else if (numeric == 1) {
    on_welcome(message, now, out);
  } else if (numeric == 5) {
    support_.apply(message);
    channels_.set_casemapping(support_.casemapping);
  } else if (numeric == 376 || numeric == 422) {
    motd_done_ = true;
  } else if (numeric == 396 && !user_host_.empty()) {
    user_host_ = user_host_.substr(0, user_host_.find('@') + 1) + std::string(message.param(1));
  } else if ((numeric == 432 || numeric == 433 || numeric == 436 || numeric == 437) && !registered_) {
    on_nick_rejected(out);
  } else if (numeric == 403 || numeric == 405 || numeric == 437 || numeric == 471 || numeric == 473 ||
             numeric == 474 || numeric == 475 || numeric == 477 || numeric == 480) {
    spdlog::warn("irc: cannot join {} ({}: {})", message.param(1), numeric, message.param(2));
    channels_.on_join_error(message.param(1), numeric, now);
  } else if ((numeric == 421 && uppercase(message.param(1)) == "NICKSERV") ||
             ((numeric == 401 || numeric == 440) && support_.fold(message.param(1)) == "nickserv")) {
    on_no_services(numeric, message.param(2));
  } else if (numeric == 421 && uppercase(message.param(1)) == "CAP") {
    cap_state_ = CapState::done;  // a server without capability negotiation just registers us
  } else if (numeric == 465) {
    out.banned = true;
    out.disconnect = "banned from this server (465): " + std::string(message.param(1));
  } else if (numeric == 900) {
    spdlog::info("irc: logged in to services account {}", message.param(2));
  } else if (numeric == 903) {
    on_identified();
    end_cap(out);
  } else if (numeric == 902 || numeric == 904 || numeric == 905 || numeric == 906 || numeric == 907) {
    spdlog::warn("irc: SASL {} failed ({}); falling back to NickServ", sasl_mechanism_, numeric);
    sasl_mechanism_.clear();
    end_cap(out);
  }
  try_regain(now, out);
  maybe_join(now, out);
}

void Session::handle_cap(const Message& message, SessionEvents& out) {
  const auto subcommand = uppercase(message.param(1));
  if (subcommand == "LS" && cap_state_ == CapState::listing) {
    const bool more = message.params.size() >= 4 && message.params[2] == "*";
    offered_caps_ += " " + message.params.back();
    if (more) return;
    std::string request;
    for (const auto cap : words(offered_caps_)) {
      const auto name = cap.substr(0, cap.find('='));
      const auto value = cap.size() > name.size() ? cap.substr(name.size() + 1) : std::string_view{};
      if (wanted_caps.count(name)) {
        request += (request.empty() ? "" : " ") + std::string(name);
      } else if (name == "sasl") {
        // Only a mechanism we can complete; an empty list means the server did not say (CAP 3.1).
        if (settings_.has_client_cert && (value.empty() || contains(value, "EXTERNAL"))) {
          sasl_mechanism_ = "EXTERNAL";
        } else if (!settings_.nickserv_password.empty() && (value.empty() || contains(value, "PLAIN"))) {
          sasl_mechanism_ = "PLAIN";
        }
        if (!sasl_mechanism_.empty()) request += (request.empty() ? "" : " ") + std::string("sasl");
      }
    }
    if (request.empty()) return end_cap(out);
    cap_state_ = CapState::requesting;
    send(out, make_line("CAP", {"REQ", request}));
  } else if (subcommand == "ACK" && cap_state_ == CapState::requesting) {
    for (const auto cap : words(message.params.back())) enabled_caps_.insert(std::string(cap));
    if (enabled_caps_.count("sasl") && !sasl_mechanism_.empty()) {
      cap_state_ = CapState::authenticating;
      send(out, make_line("AUTHENTICATE", {sasl_mechanism_}));
    } else {
      end_cap(out);
    }
  } else if (subcommand == "NAK" && cap_state_ == CapState::requesting) {
    end_cap(out);
  }
}

void Session::handle_authenticate(const Message& message, SessionEvents& out) {
  if (cap_state_ != CapState::authenticating || message.param(0) != "+") return;
  if (sasl_mechanism_ != "PLAIN") return send(out, "AUTHENTICATE +");
  const auto payload = base64_encode(settings_.nick + '\0' + settings_.nick + '\0' + settings_.nickserv_password);
  for (std::size_t at = 0; at < payload.size(); at += 400) send(out, "AUTHENTICATE " + payload.substr(at, 400), false, true);
  if (payload.size() % 400 == 0) send(out, "AUTHENTICATE +");
}

void Session::end_cap(SessionEvents& out) {
  if (cap_state_ == CapState::done) return;
  cap_state_ = CapState::done;
  send(out, "CAP END");
}

void Session::on_welcome(const Message& message, time_point now, SessionEvents& out) {
  registered_ = true;
  registered_at_ = now;
  cap_state_ = CapState::done;
  if (!message.param(0).empty()) nick_ = std::string(message.param(0));
  spdlog::info("irc: registered as {}", nick_);
  if (identified_) return;
  const bool on_wanted_nick = support_.fold(nick_) == support_.fold(settings_.nick);
  if (!settings_.nickserv_password.empty()) {
    // OFTC's services take the password first; sent as a server command so a squatter named
    // NickServ can never receive it.
    send(out, on_wanted_nick ? make_line("NICKSERV", {"IDENTIFY", settings_.nickserv_password})
                             : make_line("NICKSERV", {"IDENTIFY", settings_.nickserv_password, settings_.nick}),
         false, true);
  }
  if (!settings_.nickserv_password.empty() || settings_.has_client_cert) {
    awaiting_identification_ = true;
    identify_deadline_ = now + settings_.identify_timeout;
  }
}

void Session::on_nick_rejected(SessionEvents& out) {
  std::string candidate;
  if (next_alt_nick_ < settings_.alt_nicks.size()) {
    candidate = settings_.alt_nicks[next_alt_nick_++];
  } else if (generated_nicks_ < 20) {
    // Before 005 the server's NICKLEN is unknown: stay within the protocol's 9.
    const auto base = settings_.nick.substr(0, std::min<std::size_t>(settings_.nick.size(), generated_base_length));
    candidate = base + std::to_string(10 + (generated_nicks_++ * 37) % 90);
  } else {
    spdlog::error("irc: every nick we tried was refused");
    return;
  }
  spdlog::warn("irc: nick {} refused; trying {}", nick_, candidate);
  nick_ = candidate;
  send(out, make_line("NICK", {nick_}));
}

void Session::on_identified() {
  if (!identified_) spdlog::info("irc: identified with services");
  identified_ = true;
  awaiting_identification_ = false;
}

void Session::on_no_services(int numeric, std::string_view reason) {
  if (!no_services_) {
    spdlog::warn("irc: no services on this network (NickServ: {} {}); joining without identifying", numeric, reason);
  }
  no_services_ = true;
  awaiting_identification_ = false;
}

void Session::try_regain(time_point now, SessionEvents& out) {
  if (!registered_ || support_.fold(nick_) == support_.fold(settings_.nick) || now < next_regain_) return;
  // After the MOTD the 005 lines are in, so NICKLEN and CASEMAPPING are the server's.
  if (!motd_done_ && now - registered_at_ < settings_.motd_timeout) return;
  next_regain_ = now + settings_.regain_interval;
  if (settings_.nick.size() > support_.nicklen) {
    spdlog::warn("irc: nick {} is longer than this server's NICKLEN {}; keeping {}", settings_.nick, support_.nicklen, nick_);
    return;
  }
  if (!settings_.nickserv_password.empty() && !no_services_) {
    spdlog::info("irc: asking NickServ to regain {}", settings_.nick);
    send(out, make_line("NICKSERV", {"REGAIN", settings_.nick, settings_.nickserv_password}), false, true);
  } else {
    send(out, make_line("NICK", {settings_.nick}));
  }
}

void Session::maybe_join(time_point now, SessionEvents& out) {
  if (!registered_) return;
  if (!motd_done_ && now - registered_at_ < settings_.motd_timeout) return;
  if (awaiting_identification_) {
    if (now < identify_deadline_) return;
    spdlog::warn("irc: services did not confirm identification in time; joining anyway");
    awaiting_identification_ = false;
  }
  joins_started_ = true;
  for (const auto& channel : channels_.take_due(now)) {
    if (!support_.is_channel(channel) || !is_valid_middle_param(channel) || channel.find(',') != std::string::npos) {
      spdlog::error("irc: not joining {}: not a channel name on this server", channel);
      channels_.on_join_error(channel, 403, now);
      continue;
    }
    send(out, make_line("JOIN", {channel}));
  }
}

void Session::handle_privmsg(const Message& message, time_point now, SessionEvents& out) {
  auto sender = split_userhost(message.source);
  if (sender.nick.empty() || is_one_of_our_nicks(sender.nick) || message.params.size() < 2) return;
  const auto& raw_text = message.params[1];
  if (!raw_text.empty() && raw_text.front() == '\x01') return handle_ctcp(sender.nick, raw_text, now, out);
  ChatMessage chat;
  chat.is_private = is_me(message.params[0]);
  chat.target = message.params[0];
  chat.userhost = sender.user + "@" + sender.host;
  chat.nick = std::move(sender.nick);
  chat.text = strip_formatting(support_.utf8only ? raw_text : decode_text(raw_text));
  // Without account-tag negotiated, an account tag is whatever a relay or the sender made up.
  if (const auto* account = message.tag("account"); account && enabled_caps_.count("account-tag")) {
    chat.account = *account;
  }
  out.messages.push_back(std::move(chat));
}

void Session::look_up_account(ChatMessage message, time_point now, SessionEvents& out) {
  // With account-tag the tag (or its absence) already is services' word.
  if (enabled_caps_.count("account-tag") || !is_valid_middle_param(message.nick)) {
    message.account_checked = true;
    out.messages.push_back(std::move(message));
    return;
  }
  const auto nick = message.nick;
  if (accounts_.hold(std::move(message), support_.fold(nick), now, out.messages)) send(out, make_line("WHOIS", {nick}));
}

void Session::handle_ctcp(const std::string& nick, std::string_view body, time_point now, SessionEvents& out) {
  body.remove_prefix(1);
  if (!body.empty() && body.back() == '\x01') body.remove_suffix(1);
  const auto space = body.find(' ');
  const auto verb = uppercase(body.substr(0, space));
  const auto args = space == std::string_view::npos ? std::string_view{} : body.substr(space + 1);
  if (verb != "VERSION" && verb != "PING" && verb != "TIME") return;  // ACTION, DCC and the rest: ignored
  if (!is_valid_middle_param(nick)) return;
  const auto folded = support_.fold(nick);
  if (const auto last = last_ctcp_reply_.find(folded);
      last != last_ctcp_reply_.end() && now - last->second < settings_.ctcp_interval) {
    return;
  }
  if (last_ctcp_reply_.size() > 256) {
    std::erase_if(last_ctcp_reply_, [&](const auto& entry) { return now - entry.second >= settings_.ctcp_interval; });
  }
  std::string reply = verb + " ";
  if (verb == "VERSION") reply += settings_.version_reply;
  if (verb == "PING") {
    const auto pieces = split_text(sanitize_text(decode_text(args)), 200);
    if (!pieces.empty()) reply += pieces.front();
  }
  if (verb == "TIME") reply += http_date_now();
  auto line = make_line("NOTICE", {nick, "\x01" + sanitize_text(reply) + "\x01"});
  if (ctcp_budget_.delay_for(line.size() + 2, now) > FloodControl::duration::zero()) {
    spdlog::debug("irc: CTCP budget spent; not answering {} from {}", verb, nick);
    return;
  }
  ctcp_budget_.consume(line.size() + 2, now);
  last_ctcp_reply_[folded] = now;
  out.lines.push_back(OutgoingLine{std::move(line), !registered_, false, true});
}

void Session::on_tick(time_point now, SessionEvents& out) {
  if (!registered_ && now - connected_at_ >= settings_.registration_timeout) {
    out.disconnect = "registration did not complete in time";
    return;
  }
  if (!registered_ && cap_state_ != CapState::done && now - connected_at_ >= settings_.cap_timeout) end_cap(out);
  if (ping_sent_at_) {
    if (now - *ping_sent_at_ >= settings_.ping_timeout) {
      out.disconnect = "no reply to our PING";
      return;
    }
  } else if (now - last_received_ >= settings_.idle_ping) {
    send(out, "PING :katabot-" + std::to_string(++ping_counter_), true);
    ping_sent_at_ = now;
  }
  accounts_.on_tick(now, out.messages);
  receipts_.expire(now, out.receipts);
  try_regain(now, out);
  maybe_join(now, out);
}

}  // namespace katabot::irc
