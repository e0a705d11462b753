#include "bot/metric_catalog.hpp"

#include <array>
#include <string_view>

#include "bot/coordination/election.hpp"

namespace katabot {
namespace {

struct Description {
  std::string_view name;
  MetricType type;
  std::string_view help;
};

constexpr std::array descriptions{
    Description{"katabot_build_info", MetricType::gauge, "Always 1; the labels name the running build."},
    Description{"katabot_start_time_seconds", MetricType::gauge, "When the process started, in Unix seconds."},
    Description{"katabot_adapter_ready", MetricType::gauge,
                "1 while the platform's adapter is connected and joined; IRC is 0 on a replica that does not lead."},
    Description{"katabot_last_connected_timestamp_seconds", MetricType::gauge,
                "When the platform's adapter last finished connecting, in Unix seconds."},
    Description{"katabot_knowledge_topics", MetricType::gauge, "Topics in the knowledge base in use."},
    Description{"katabot_knowledge_meetings", MetricType::gauge, "Meetings in the knowledge base in use."},
    Description{"katabot_messages_in_total", MetricType::counter, "Messages the router received, per platform."},
    Description{"katabot_messages_out_total", MetricType::counter, "Messages the bot sent, per platform."},
    Description{"katabot_commands_total", MetricType::counter,
                "Answered requests per command or topic (free-text: matched from free text; unknown: no match)."},
    Description{"katabot_keyword_answers_total", MetricType::counter,
                "Answers to keywords said in a channel, per platform."},
    Description{"katabot_rate_limited_total", MetricType::counter,
                "Requests refused because their sender asked too fast, per platform."},
    Description{"katabot_reconnects_total", MetricType::counter, "Reconnections after a lost link, per platform."},
    Description{"katabot_flood_waits_total", MetricType::counter,
                "Times an outgoing line waited for the IRC flood allowance."},
    Description{"katabot_rate_limit_waits_total", MetricType::counter,
                "Times a Slack Web API call waited after an HTTP 429."},
    Description{"katabot_acks_total", MetricType::counter, "Socket Mode envelopes acknowledged."},
    Description{"katabot_slack_retries_dropped_total", MetricType::counter,
                "Slack deliveries dropped as retries of one already handled."},
    Description{"katabot_slack_events_deduplicated_total", MetricType::counter,
                "Slack deliveries dropped as already handled, by where that was known: local (this replica) or "
                "shared (claimed by another replica through etcd)."},
    Description{"katabot_slack_event_claims_failed_open_total", MetricType::counter,
                "Slack events answered without the check across replicas because etcd did not answer in time "
                "(a retry may then be answered twice)."},
    Description{"katabot_slack_ack_latency_seconds", MetricType::summary,
                "Time from receiving a Socket Mode envelope to acknowledging it (recent window)."},
    Description{"katabot_reminders_sent_total", MetricType::counter, "Meeting reminders posted, per platform."},
    Description{"katabot_reminders_skipped_total", MetricType::counter,
                "Meeting reminders not posted, per platform and reason."},
    Description{"katabot_reminder_post_failures_total", MetricType::counter,
                "Reminder posts not delivered at this attempt, per platform and outcome (retry_later, failed); each is retried."},
    Description{"katabot_is_leader", MetricType::gauge,
                "1 while this replica runs the leader-only work (IRC, reminders): it leads, or runs alone (backend none)."},
    Description{"katabot_leader_epoch", MetricType::gauge,
                "The fencing epoch this replica leads in (the leader key's create revision); 0 when not leading or alone."},
    Description{"katabot_leader_transitions_total", MetricType::counter,
                "Leadership changes of this replica: became_leader, or the reason it stopped leading."},
    Description{"katabot_reminder_claims_total", MetricType::counter,
                "Reminder claims by result: won (ours to post), taken (already settled or left by an earlier leader), "
                "fenced (this replica was deposed), error (the store did not answer)."},
    Description{"katabot_reminder_ambiguous_total", MetricType::counter,
                "Reminders an earlier leader claimed but never marked, per network; settled by ambiguous_policy."},
};

// Counters every enabled platform has, whether or not anything happened yet.
constexpr std::array<std::string_view, 6> per_platform_counters{
    "katabot_messages_in_total",     "katabot_messages_out_total", "katabot_reconnects_total",
    "katabot_keyword_answers_total", "katabot_rate_limited_total", "katabot_reminders_sent_total",
};

// katabot_reminder_claims_total's results (the scheduler counts them; every replica shows them).
constexpr std::array<std::string_view, 4> reminder_claim_results{"won", "taken", "fenced", "error"};

// The router's labels for requests that name no command.
constexpr std::array<std::string_view, 2> non_command_labels{"free-text", "unknown"};

}  // namespace

void describe_katabot_metrics(Metrics& metrics) {
  for (const auto& description : descriptions) {
    metrics.describe(description.name, description.type, std::string(description.help));
  }
  metrics.set_gauge("katabot_build_info", {{"version", KATABOT_VERSION}, {"commit", KATABOT_COMMIT}}, 1);
}

void register_known_series(Metrics& metrics, const KnownSeries& known) {
  for (const auto& platform : known.platforms) {
    const Labels labels{{"platform", platform}};
    for (const auto name : per_platform_counters) metrics.increment(name, labels, 0);
    if (platform == "irc") metrics.increment("katabot_flood_waits_total", labels, 0);
    metrics.increment("katabot_reminder_ambiguous_total", {{"network", platform}}, 0);
    if (platform == "slack") {
      metrics.increment("katabot_rate_limit_waits_total", labels, 0);
      metrics.increment("katabot_acks_total", {}, 0);
      metrics.increment("katabot_slack_retries_dropped_total", {}, 0);
      metrics.increment("katabot_slack_events_deduplicated_total", {{"scope", "local"}}, 0);
    }
  }
  for (const auto result : reminder_claim_results) {
    metrics.increment("katabot_reminder_claims_total", {{"result", std::string(result)}}, 0);
  }
  for (const auto& command : known.commands) metrics.increment("katabot_commands_total", {{"command", command}}, 0);
  for (const auto label : non_command_labels) {
    metrics.increment("katabot_commands_total", {{"command", std::string(label)}}, 0);
  }
}

void register_leader_series(Metrics& metrics) {
  metrics.set_gauge("katabot_is_leader", {}, 0);
  metrics.set_gauge("katabot_leader_epoch", {}, 0);
  metrics.increment("katabot_leader_transitions_total", {{"reason", "became_leader"}}, 0);
  for (const auto reason : {coordination::LossReason::lease_lost, coordination::LossReason::renew_timeout,
                            coordination::LossReason::deposed, coordination::LossReason::shutdown}) {
    metrics.increment("katabot_leader_transitions_total", {{"reason", std::string(coordination::loss_reason_name(reason))}}, 0);
  }
}

}  // namespace katabot
