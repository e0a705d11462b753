#pragma once
// Finds the time zone in the words after `meetings` or `next`, forgivingly: people type "berlin",
// "PT", "new york time please" or "europe/berlin" as often as "Europe/Berlin".
#include <string>
#include <string_view>

#include <date/tz.h>

namespace katabot {

struct ZoneArgument {
  const date::time_zone* zone = nullptr;  // the zone the words name, if any
  std::string unknown;                    // a word that looks like a zone but is none ("Mars/Olympus")
};

// An IANA name in any case, an abbreviation people use (CET, PT, PST, EST, IST, JST, BST), a whole-hour
// UTC offset (UTC+2) or a city ("berlin", "new york", "bangalore"). Words that are none of these
// ("one please", nicks) are not about a zone and are ignored. Only the first few words are read.
ZoneArgument parse_zone_argument(std::string_view words);

}  // namespace katabot
