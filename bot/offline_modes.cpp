#include "bot/offline_modes.hpp"

#include <unistd.h>

#include <iostream>

#include "bot/console/console_session.hpp"
#include "bot/knowledge_store.hpp"
#include "bot/router.hpp"
#include "handlers/time_format.hpp"
#include "knowledge/ics.hpp"
#include "knowledge/schedule.hpp"

namespace katabot {
namespace {

std::shared_ptr<const KnowledgeBase> load_knowledge(const Config& config, const CommandRegistry& registry,
                                                    std::ostream& err) {
  Diagnostics diagnostics;
  auto knowledge = KnowledgeBase::load(config.bot.knowledge_dir, registry.reserved_words(), diagnostics);
  for (const auto& diagnostic : diagnostics) err << diagnostic.to_string() << "\n";
  return knowledge;
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
  const auto knowledge = load_knowledge(config, registry, err);
  if (!knowledge) return 2;
  for (const auto& occurrence : next_occurrences(knowledge->meetings(), from, options.count)) {
    const auto& meeting = *occurrence.meeting;
    out << iso8601(occurrence.start) << "  " << meeting.id << "  " << meeting.title << " ("
        << format_in_zone(occurrence.start, meeting.zone) << ")\n";
    for (const auto offset : meeting.reminders) {
      out << "    reminder " << format_duration(offset) << " before: " << iso8601(occurrence.start - offset) << "\n";
    }
  }
  return 0;
}

int print_ics(const Config& config, std::ostream& out, std::ostream& err) {
  const CommandRegistry registry;
  const auto knowledge = load_knowledge(config, registry, err);
  if (!knowledge) return 2;
  out << render_ics(knowledge->meetings(), now_seconds());
  return 0;
}

int run_console_mode(const Config& config, std::istream& in, std::ostream& out, std::ostream& err) {
  const CommandRegistry registry;
  KnowledgeStore store(config.bot.knowledge_dir, registry.reserved_words());
  for (const auto& diagnostic : store.reload()) err << diagnostic.to_string() << "\n";
  if (!store.snapshot()) return 2;

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
    return reply;
  }, in, out);
}

}  // namespace katabot
