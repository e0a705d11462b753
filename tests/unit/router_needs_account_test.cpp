// Which IRC lines wait for a WHOIS: admin commands in every addressed form, from a sender
// without a services account, and nothing else (a WHOIS per chat line would flood the server).
#include <catch2/catch.hpp>

#include "router_harness.hpp"

using namespace katabot;

namespace {

bool needs_account(const std::string& text, InboundKind kind = InboundKind::channel_line,
                   Platform platform = Platform::irc, const std::string& account = "") {
  test::RouterHarness harness(std::make_shared<const KnowledgeBase>(std::vector<Topic>{}, std::vector<Meeting>{}));
  Inbound inbound;
  inbound.platform = platform;
  inbound.kind = kind;
  inbound.text = text;
  inbound.account = account;
  inbound.user_id = "alice";
  return harness.router.needs_account(inbound);
}

}  // namespace

TEST_CASE("router asks for a services account only for IRC admin commands", "[router][whois]") {
  CHECK(needs_account("!status"));
  CHECK(needs_account("  !RELOAD now"));
  CHECK(needs_account("katabot: skip ac dec 24"));
  CHECK(needs_account("status", InboundKind::direct_message));
  CHECK_FALSE(needs_account("!next"));
  CHECK_FALSE(needs_account("what is the status of the release?"));  // chatter, not addressed
  CHECK_FALSE(needs_account("! status"));
  CHECK_FALSE(needs_account("!status", InboundKind::channel_line, Platform::irc, "opsaccount"));  // account-tag said
  CHECK_FALSE(needs_account("status", InboundKind::slash_command, Platform::slack));
}
