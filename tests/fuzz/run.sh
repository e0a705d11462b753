#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) from its seed corpus; fails on the first crash,
# timeout or memory blow-up and leaves the input that caused it in the artifact directory it prints.
#   cmake --preset fuzz && cmake --build --preset fuzz && tests/fuzz/run.sh 30
set -euo pipefail

seconds="${1:-30}"
here="$(cd "$(dirname "$0")" && pwd)"
bin="${FUZZ_BIN_DIR:-$here/../../build/fuzz/fuzz}"
work="$(mktemp -d "${TMPDIR:-/tmp}/katabot-fuzz.XXXXXX")"

declare -A dictionary=(
  [irc_line]=irc.dict [irc_reply]=irc.dict [slack_envelope]=slack.dict [slack_mrkdwn]=mrkdwn.dict
  [topics]=yaml.dict [meetings]=yaml.dict [config]=yaml.dict [router]=
)

status=0
for name in irc_line irc_reply slack_envelope slack_mrkdwn topics meetings config router; do
  target="$bin/fuzz_$name"
  if [[ ! -x "$target" ]]; then
    echo "fuzz: $target is missing (build it: cmake --build --preset fuzz)" >&2
    exit 2
  fi
  mkdir -p "$work/$name/corpus" "$work/$name/artifacts"
  options=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=1024 -max_len=8192 -print_final_stats=1
           -artifact_prefix="$work/$name/artifacts/")
  [[ -n "${dictionary[$name]}" ]] && options+=(-dict="$here/dict/${dictionary[$name]}")
  log="$work/$name/log"
  if "$target" "${options[@]}" "$work/$name/corpus" "$here/corpus/$name" >"$log" 2>&1; then
    runs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')"
    echo "fuzz_$name: clean, $runs executions in ${seconds} s"
  else
    echo "fuzz_$name: FAILED (log $log, input in $work/$name/artifacts/)" >&2
    grep -m1 -A12 'ERROR\|==ERROR\|deadly signal\|timeout after' "$log" >&2 || tail -20 "$log" >&2
    status=1
  fi
done
[[ $status -eq 0 ]] && rm -rf "$work"
exit $status
