// Attacker text through the Slack rendering. Property: no string of the rendered message (the
// fallback `text` and every block) nor the mrkdwn body holds a mention (<@…>, <!channel>, <!here>,
// <!everyone>, <!subteam^…>) or a link (<target|…>, <target>) whose target the project did not
// write: a link must point where the knowledge base's own mrkdwn or the reply's links point.
// The text arrives four ways: through the real router over the project's knowledge base (what a
// user can type), as a Reply's plain text, inside a handler's mrkdwn the way handlers quote it, and
// as a link title. A fifth way, a handler that put the text into its mrkdwn unescaped, is covered by
// the renderer's last guard: there only mentions must not survive (links in mrkdwn are the
// handler's markup by contract).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <string_view>

#include <fuzzer/FuzzedDataProvider.h>
#include <nlohmann/json.hpp>

#include "bot/render.hpp"
#include "project_router.hpp"

using namespace katabot;

namespace {

// Where a <…> sequence points: up to its '|' or its '>'.
std::string_view link_target(std::string_view sequence) {
  return sequence.substr(0, sequence.find_first_of("|>"));
}

// Every <scheme://…|…> and <mailto:…|…> link the knowledge files write, read from the files
// themselves rather than from the loader, so that the expectation does not come from the code under
// test. (Their comments' placeholders, `<word>` and the like, are not links and not allowed.)
const std::set<std::string, std::less<>>& knowledge_link_targets() {
  static const auto targets = [] {
    std::set<std::string, std::less<>> found;
    for (const auto* file : {"topics.yaml", "meetings.yaml"}) {
      std::ifstream in(fuzz::knowledge_dir() / file, std::ios::binary);
      const std::string text{std::istreambuf_iterator<char>(in), {}};
      FUZZ_REQUIRE(!text.empty());
      for (auto open = text.find('<'); open != std::string::npos; open = text.find('<', open + 1)) {
        const auto target = link_target(std::string_view(text).substr(open + 1));
        if (target.find("://") != std::string_view::npos || target.starts_with("mailto:")) found.emplace(target);
      }
    }
    return found;
  }();
  return targets;
}

bool is_mention(std::string_view target) { return target.starts_with('!') || target.starts_with('@'); }

// Slack acts on a <…> that is closed by a '>': check each such sequence in `text`.
template <typename Allowed>
void check_sequences(std::string_view text, const Allowed& allowed) {
  for (auto open = text.find('<'); open != std::string_view::npos; open = text.find('<', open + 1)) {
    const auto rest = text.substr(open + 1);
    if (rest.find('>') == std::string_view::npos) return;
    const auto target = link_target(rest);
    FUZZ_REQUIRE(!is_mention(target));
    FUZZ_REQUIRE(allowed(target));
  }
}

// Every string anywhere in the message: the fallback text, the section, the context elements.
template <typename Allowed>
void check_message(const nlohmann::json& message, const Allowed& allowed) {
  if (message.is_string()) return check_sequences(message.get_ref<const std::string&>(), allowed);
  if (message.is_structured()) {
    for (const auto& element : message) check_message(element, allowed);
  }
}

template <typename Allowed>
void check_rendered(const Reply& reply, const Allowed& allowed) {
  check_message(render_slack_message(reply), allowed);
  check_sequences(render_slack_mrkdwn(reply), allowed);
}

// Links only where the project points: the knowledge base's markup or the reply's own links
// (which handlers take from the knowledge base, never from the asker).
void check_project_links_only(const Reply& reply) {
  check_rendered(reply, [&](std::string_view target) {
    if (knowledge_link_targets().contains(target)) return true;
    for (const auto& link : reply.links) {
      if (link.url == target) return true;
    }
    return false;
  });
}

Reply routed(const std::string& text, InboundKind kind) {
  Inbound inbound;
  inbound.platform = Platform::slack;
  inbound.kind = kind;
  inbound.channel = "C0KATA";
  inbound.user_id = "U0ATTACKER";
  inbound.text = text;
  return fuzz::route_past_cooldowns(inbound).value_or(Reply{});
}

enum class Way { router, plain_text, quoted_in_mrkdwn, link_title, unescaped_mrkdwn };

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider input(data, size);
  const auto way = input.PickValueInArray(
      {Way::router, Way::plain_text, Way::quoted_in_mrkdwn, Way::link_title, Way::unescaped_mrkdwn});
  const auto kind = static_cast<InboundKind>(input.ConsumeIntegralInRange<int>(0, 3));
  const auto text = input.ConsumeRandomLengthString(8192);
  const Link source{"Kata Containers", "https://katacontainers.io/"};

  Reply reply;
  reply.text = text;
  reply.links = {source};
  switch (way) {
    case Way::router:
      reply = routed(text, kind);
      break;
    case Way::plain_text:
      break;
    case Way::quoted_in_mrkdwn:
      reply.mrkdwn = "*Unknown* " + quote_mrkdwn(text) + "\n" + escape_mrkdwn(text);
      break;
    case Way::link_title:
      reply.text = "see";
      reply.links.push_back({text, "https://github.com/kata-containers/kata-containers"});
      break;
    case Way::unescaped_mrkdwn:
      reply.mrkdwn = text;
      check_rendered(reply, [](std::string_view) { return true; });
      return 0;
  }
  check_project_links_only(reply);
  return 0;
}
