#pragma once
// One IRC connection's protocol state, without I/O: registration (CAP LS 302, SASL when offered,
// NickServ the OFTC way, nick fallbacks), ISUPPORT, joining the wanted channels, keepalive, CTCP,
// and turning PRIVMSGs into chat messages. The driver feeds it lines and clock ticks and sends what
// it asks for.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "bot/irc/account_lookup.hpp"
#include "bot/irc/channel_set.hpp"
#include "bot/irc/chat_message.hpp"
#include "bot/irc/flood_control.hpp"
#include "bot/irc/irc_message.hpp"
#include "bot/irc/post_receipts.hpp"
#include "bot/irc/server_support.hpp"

namespace katabot::irc {

struct SessionSettings {
  std::string nick = "katabot";
  std::vector<std::string> alt_nicks;
  std::string username = "katabot";
  std::string realname = "Kata Containers community bot";
  std::string nickserv_password;  // secret: only ever in lines marked secret
  bool has_client_cert = false;   // CertFP: services identify us by the TLS client certificate
  std::string version_reply = "katabot";

  std::chrono::steady_clock::duration registration_timeout = std::chrono::seconds(60);
  std::chrono::steady_clock::duration cap_timeout = std::chrono::seconds(30);
  std::chrono::steady_clock::duration identify_timeout = std::chrono::seconds(15);
  std::chrono::steady_clock::duration motd_timeout = std::chrono::seconds(10);
  std::chrono::steady_clock::duration idle_ping = std::chrono::seconds(60);
  std::chrono::steady_clock::duration ping_timeout = std::chrono::seconds(30);
  std::chrono::steady_clock::duration regain_interval = std::chrono::minutes(5);
  std::chrono::steady_clock::duration ctcp_interval = std::chrono::seconds(5);  // per sender
  // A post's receipt may wait behind a full answer queue paced by the flood buckets (64 lines,
  // 1.5 s each): longer than that, the link is too slow or dead to tell.
  std::chrono::steady_clock::duration post_receipt_timeout = std::chrono::seconds(120);
  std::size_t max_posts_unconfirmed = 64;
  // CTCP replies to everyone together: three at once, then one every 10 s, however many nicks ask.
  FloodSettings ctcp_budget{3, std::chrono::seconds(10), 1536, 150};
  AccountLookupSettings account_lookup;
};

struct OutgoingLine {
  std::string line;      // without CR LF
  bool urgent = false;   // PONG, keepalive PING, registration: skips the queue and the flood buckets
  bool secret = false;   // carries a password: never logged
  bool ctcp_reply = false;  // queued in the small CTCP lane, which gives way to answers
};

struct SessionEvents {
  std::vector<OutgoingLine> lines;
  std::vector<ChatMessage> messages;
  std::optional<std::string> disconnect;  // why the link must be closed
  bool banned = false;                    // 465: reconnecting soon would make it worse
  std::vector<std::string> joined;        // channels whose JOIN the server just confirmed
  std::vector<PostReceipt> receipts;      // posts the server accepted or refused (track_post)
};

class Session {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  Session(SessionSettings settings, ChannelSet& channels, time_point now);

  void start(SessionEvents& out);
  void on_line(std::string_view line, time_point now, SessionEvents& out);
  void on_message(const Message& message, time_point now, SessionEvents& out);
  void on_tick(time_point now, SessionEvents& out);
  // For a message whose sender's services account matters (admin commands): comes back in
  // out.messages with account_checked set, at once when account-tag or a recent WHOIS answers,
  // else after a WHOIS.
  void look_up_account(ChatMessage message, time_point now, SessionEvents& out);

  // Whether a post to `target` can go out now: registered, and joined if it is one of our channels
  // (a server drops a message to a channel we are not in, +n).
  bool can_post_to(std::string_view target) const;
  // Starts waiting for the server's verdict on a post to `target`: send the returned PING line
  // right after the post's last line; the verdict comes in SessionEvents::receipts.
  std::optional<PostReceipts::Tracked> track_post(std::string_view target, time_point now);

  bool registered() const { return registered_; }
  // Registered, identification settled, and no JOIN still unanswered.
  bool ready() const { return registered_ && joins_started_ && channels_.settled(); }
  const std::string& nick() const { return nick_; }
  // ":nick!user@host" as others see us, or a safe over-estimate before the server showed it.
  std::string own_prefix() const;
  const ServerSupport& support() const { return support_; }
  bool identified() const { return identified_; }
  const std::set<std::string>& enabled_caps() const { return enabled_caps_; }

 private:
  enum class CapState { listing, requesting, authenticating, done };

  void handle_cap(const Message& message, SessionEvents& out);
  void handle_authenticate(const Message& message, SessionEvents& out);
  void end_cap(SessionEvents& out);
  void on_welcome(const Message& message, time_point now, SessionEvents& out);
  void on_nick_rejected(SessionEvents& out);
  void on_identified();
  void on_no_services(int numeric, std::string_view reason);
  void maybe_join(time_point now, SessionEvents& out);
  void try_regain(time_point now, SessionEvents& out);
  void handle_privmsg(const Message& message, time_point now, SessionEvents& out);
  void handle_ctcp(const std::string& nick, std::string_view body, time_point now, SessionEvents& out);
  bool is_me(std::string_view nick) const;
  // Our current nick, the configured one, its alternates or a generated fallback.
  bool is_one_of_our_nicks(std::string_view nick) const;
  bool is_generated_nick(std::string_view folded_nick) const;
  static constexpr std::size_t generated_base_length = 7;  // + 2 digits: the protocol's 9
  void send(SessionEvents& out, std::string line, bool urgent = false, bool secret = false);

  SessionSettings settings_;
  ChannelSet& channels_;
  ServerSupport support_;

  CapState cap_state_ = CapState::listing;
  std::string offered_caps_;  // accumulated over multi-line CAP LS
  std::set<std::string> enabled_caps_;
  std::string sasl_mechanism_;

  bool registered_ = false;
  bool motd_done_ = false;
  bool identified_ = false;
  bool awaiting_identification_ = false;
  bool no_services_ = false;  // the server knows no NickServ: join at once, regain with a plain NICK
  bool joins_started_ = false;
  std::string nick_;
  std::string user_host_;  // learned from the echo of our own JOIN
  std::size_t next_alt_nick_ = 0;
  int generated_nicks_ = 0;

  time_point connected_at_;
  time_point registered_at_{};
  time_point identify_deadline_{};
  time_point next_regain_{};
  time_point last_received_;
  std::optional<time_point> ping_sent_at_;
  unsigned ping_counter_ = 0;
  std::map<std::string, time_point> last_ctcp_reply_;  // by folded nick
  FloodControl ctcp_budget_;
  AccountLookup accounts_;
  PostReceipts receipts_;
};

}  // namespace katabot::irc
