#pragma once
// Where a topic's or meeting's facts were last checked, and when. Community facts go stale (links
// move, meetings change); recording the public source and its date lets a maintainer re-check an
// answer quickly and lets a reader judge how fresh it is.
#include <string>

namespace katabot {

struct Provenance {
  std::string source;   // the http(s) URL the text was compared with
  std::string checked;  // YYYY-MM-DD: the date of the source commit or page that was compared
};

}  // namespace katabot
