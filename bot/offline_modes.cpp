#include "bot/offline_modes.hpp"

#include <unistd.h>

#include <algorithm>
#include <iostream>

#include "bot/console/console_session.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/router.hpp"
#include "bot/scheduler/broadcast.hpp"
#include "handlers/time_format.hpp"
#include "knowledge/ics.hpp"
#include "knowledge/schedule.hpp"

namespace katabot {
namespace {

// The knowledge base with the admins' skips and moves from the configured state_dir.
std::shared_ptr<const KnowledgeBase> load_with_overrides(const Config& config, const CommandRegistry& registry,
                                                         std::ostream& err) {
  KnowledgeStore store(config.bot.knowledge_dir, registry.reserved_words(), config.bot.state_dir);
  for (const auto& diagnostic : store.reload()) err << diagnostic.to_string() << "\n";
  return store.snapshot();
}

std::string iso8601(SysSeconds when) { return date::format("%Y-%m-%dT%H:%M:%SZ", when); }

std::chrono::sys_seconds now_seconds() {
  return std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
}

}  // namespace

int check_config(const CliOptions& options, std::ostream& out, std::ostream& err) {
  auto file = options.config ? options.config : find_default_config();
  if (!file) {
    err << "katabot: no configuration file: give --config FILE, or create config/katabot.yaml or "
           "/etc/katabot/katabot.yaml\n";
    return 2;
  }
  Diagnostics diagnostics;
  const auto config = load_config(*file, process_environment(), diagnostics);
  if (config) {
    const CommandRegistry registry;
    KnowledgeBase::load(config->bot.knowledge_dir, registry.reserved_words(), diagnostics);
  }
  for (const auto& diagnostic : diagnostics) err << diagnostic.to_string() << "\n";
  if (!diagnostics.empty()) {
    err << diagnostics.size() << (diagnostics.size() == 1 ? " problem" : " problems") << " found\n";
    return 2;
  }
  out << file->string() << ": configuration, knowledge base and meetings are valid\n";
  return 0;
}

int print_schedule(const Config& config, const CliOptions& options, std::ostream& out, std::ostream& err) {
  auto from = now_seconds();
  if (options.from) {
    const auto parsed = parse_instant(*options.from);
    if (!parsed) {
      err << "katabot: --from '" << *options.from << "' is not a date such as 2026-12-01 or 2026-12-01T12:00:00Z\n";
      return 2;
    }
    from = *parsed;
  }
  const CommandRegistry registry;
  const auto knowledge = load_with_overrides(config, registry, err);
  if (!knowledge) return 2;
  const auto occurrences = next_occurrences(knowledge->meetings(), from, options.count);
  // Cancelled occurrences are listed where they would have been, so the gap is explained.
  std::vector<std::pair<SysSeconds, std::string>> lines;
  const auto until = occurrences.empty() ? from : occurrences.back().start + std::chrono::seconds{1};
  for (const auto& meeting : knowledge->meetings()) {
    for (const auto& cancelled : cancelled_occurrences(meeting, from, until)) {
      lines.emplace_back(cancelled.start, iso8601(cancelled.start) + "  " + meeting.id + "  " + meeting.title +
                                              "  CANCELLED" +
                                              (cancelled.skip->reason.empty() ? "" : ": " + cancelled.skip->reason) + "\n");
    }
  }
  for (const auto& occurrence : occurrences) {
    const auto& meeting = *occurrence.meeting;
    std::string text = iso8601(occurrence.start) + "  " + meeting.id + "  " + meeting.title + " (" +
                       format_in_zone(occurrence.start, meeting.zone) + ")";
    for (const auto& change : meeting.overrides) {
      if (change.kind == OccurrenceOverride::Kind::move && moved_start(change) == occurrence.start) {
        text += "  MOVED from " + date::format("%F", change.date);
      }
    }
    text += "\n";
    for (const auto offset : meeting.reminders) {
      text += "    reminder " + format_duration(offset) + " before: " + iso8601(occurrence.start - offset) + "\n";
    }
    lines.emplace_back(occurrence.start, std::move(text));
  }
  std::stable_sort(lines.begin(), lines.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [when, text] : lines) out << text;
  return 0;
}

int print_ics(const Config& config, std::ostream& out, std::ostream& err) {
  const CommandRegistry registry;
  const auto knowledge = load_with_overrides(config, registry, err);
  if (!knowledge) return 2;
  out << render_ics(knowledge->meetings(), now_seconds());
  return 0;
}

int run_console_mode(const Config& config, std::istream& in, std::ostream& out, std::ostream& err) {
  const CommandRegistry registry;
  KnowledgeStore store(config.bot.knowledge_dir, registry.reserved_words(), config.bot.state_dir);
  for (const auto& diagnostic : store.reload()) err << diagnostic.to_string() << "\n";
  if (!store.snapshot()) return 2;
  store.prune_past_overrides(now_seconds());

  // The console is one person trying things out: no rate limits or cooldowns in the way, and
  // whoever types at it runs the process, so admin commands are theirs.
  auto settings = router_settings(config);
  settings.admins.slack_users.push_back(console_user);
  settings.admins.irc_accounts.push_back(console_user);
  settings.user_burst = 1e9;
  settings.keyword_channel_cooldown = std::chrono::seconds(0);
  settings.keyword_user_cooldown = std::chrono::seconds(0);
  const SystemClock clock;
  Metrics metrics;
  Router router(settings, registry, [&store] { return store.snapshot(); }, clock, metrics);

  ConsoleSettings console;
  console.slack_command = config.slack.command;
  console.irc_prefix = config.irc.command_prefix;
  console.bot_name = config.bot.name;
  console.interactive = &in == &std::cin && isatty(STDIN_FILENO) == 1;
  return run_console(console, [&](const Inbound& inbound) -> std::optional<Reply> {
    auto reply = router.route(inbound);
    if (reply) carry_out(*reply, store);
    // The console has no channels: it shows what the meeting's channels would get.
    if (reply && reply->broadcast) {
      if (const auto post = broadcast_reply(*reply->broadcast, *store.snapshot(), now_seconds())) {
        reply->text += "\n[to the meeting's channels] " + post->text;
        reply->mrkdwn += "\n_To the meeting's channels:_ " + post->mrkdwn;
      }
    }
    return reply;
  }, in, out);
}

}  // namespace katabot
