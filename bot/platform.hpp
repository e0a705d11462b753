#pragma once
// The chat platforms, as one type: an adapter's platform(), reminder targets and ledger keys,
// announce lists. Strings ("slack", "irc") exist only at the edges: logs, metric labels, the ledger
// file, configuration keys.
#include <optional>
#include <string_view>

namespace katabot {

// A new adapter adds its value here, its name below, and its line in make_replica_adapters or
// make_leader_adapters (bot/adapters.cpp).
// In name order, so that anything keyed by Platform lists platforms as their names sort.
enum class Platform { console, irc, slack };

std::string_view platform_name(Platform platform);
// The platform named `name` exactly as platform_name writes it; nullopt for any other word.
std::optional<Platform> parse_platform(std::string_view name);

}  // namespace katabot
