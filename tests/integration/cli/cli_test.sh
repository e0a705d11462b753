#!/usr/bin/env bash
# Usage: cli_test.sh SCENARIO KATABOT SOURCE_DIR — one black-box scenario against the real binary.
set -uo pipefail
scenario=$1 katabot=$(realpath "$2") source_dir=$(realpath "$3")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_contains() {  # haystack needle description
  [[ "$1" == *"$2"* ]] || fail "$3: expected to find [$2] in:"$'\n'"$1"
}
expect_equal() {  # actual expected description
  [[ "$1" == "$2" ]] || fail "$3: expected [$2], got [$1]"
}

case "$scenario" in
version_and_help)
  out=$("$katabot" --version); expect_equal "$?" 0 "--version exit"
  [[ "$out" =~ ^katabot\ [0-9]+\.[0-9]+\.[0-9]+$ ]] || fail "--version printed [$out]"
  out=$("$katabot" --help); expect_equal "$?" 0 "--help exit"
  for word in --config --console --check-config --check-links --schedule --ics; do expect_contains "$out" "$word" "--help"; done
  ;;
bad_flags)
  err=$("$katabot" --frobnicate 2>&1 >/dev/null); expect_equal "$?" 2 "bad flag exit"
  expect_equal "$err" "katabot: unknown option '--frobnicate' (see katabot --help)" "bad flag message"
  err=$("$katabot" --config "$work/missing.yaml" 2>&1 >/dev/null); expect_equal "$?" 2 "missing config exit"
  expect_equal "$err" "$work/missing.yaml: cannot read file: No such file or directory" "missing config message"
  mkdir "$work/unreadable.yaml"
  err=$("$katabot" --check-config --config "$work/unreadable.yaml" 2>&1 >/dev/null); expect_equal "$?" 2 "directory as config exit"
  expect_equal "$(wc -l <<<"$err")" 2 "one problem line plus the count"
  ;;
console_demo)
  # The README's check, from the source tree as a newcomer runs it.
  out=$(cd "$source_dir" && printf '/kata meetings\n!conduct\nwhen is the meeting?\n/kata nosuch\n' | "$katabot" --console)
  expect_equal "$?" 0 "console exit at EOF"
  expect_equal "$(grep -c '^\[' <<<"$out")" 4 "one answer block per input line"
  expect_contains "$out" "[Slack, only visible to you]"$'\n'"*Architecture Committee" "/kata meetings rendered as Slack"
  expect_contains "$out" "Thursdays 13:00 UTC" "/kata meetings gives the time"
  expect_contains "$out" "<https://etherpad.opendev.org/p/Kata_Containers_Architecture_Committee_Mtgs|" "/kata meetings agenda link"
  expect_contains "$out" "[IRC #kata-dev]"$'\n'"<katabot> Code of Conduct" "!conduct rendered as IRC"
  expect_contains "$out" "https://openinfra.dev/legal/code-of-conduct" "!conduct link"
  expect_contains "$out" "[#kata-dev]"$'\n'"<katabot> Architecture Committee" "keyword answer to chatter"
  expect_contains "$out" 'I don'"'"'t know `nosuch`.' "unknown word (quoted as Slack inline code)"
  expect_contains "$out" 'Try `/kata help`' "help pointer"
  ;;
console_questions)
  # Questions people ask, from anywhere (the binary finds the knowledge base of its source tree).
  out=$(cd "$work" && printf '%s\n' '!security' 'katabot: how do I report a security bug?' '/kata slack' \
        '/kata next Europe/Berlin' '!next Mars/Olympus' '!help' '/kata reload' | "$katabot" --console)
  expect_equal "$?" 0 "console exit"
  expect_contains "$out" "https://github.com/kata-containers/kata-containers/security" "security link"
  expect_contains "$out" "https://join.slack.com/t/katacontainers/shared_invite" "slack invite"
  expect_contains "$out" "(Europe/Berlin)" "time in the zone asked for"
  expect_contains "$out" 'I don'"'"'t know the time zone "Mars/Olympus"' "unknown zone"
  expect_contains "$out" "Commands: !help !meetings !next" "help generated"
  expect_contains "$out" "Reloaded:" "reload from the console"
  ;;
check_config_valid)
  out=$("$katabot" --check-config --config "$source_dir/config/console.yaml"); expect_equal "$?" 0 "valid config exit"
  expect_contains "$out" "are valid" "valid config message"
  err=$(cd "$work" && env -u SLACK_APP_TOKEN "$katabot" --check-config --config "$source_dir/config/katabot.yaml" 2>&1)
  expect_equal "$?" 2 "production config without its secrets"
  expect_contains "$err" "katabot.yaml:15:14: environment variable SLACK_APP_TOKEN is not set" "missing secret named"
  ;;
coordination_etcd)
  # One replica with backend etcd against a real 1-member etcd on loopback: it campaigns, leads
  # (the term opens), says so on /readyz and /metrics, and stops within the 2 s contract.
  read -r client_port peer_port http_port < <(python3 -c 'import socket
ports = []
for _ in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); ports.append(s); 
print(*[s.getsockname()[1] for s in ports])')
  etcd --name cli --data-dir "$work/etcd" --listen-client-urls "http://127.0.0.1:$client_port" \
    --advertise-client-urls "http://127.0.0.1:$client_port" --listen-peer-urls "http://127.0.0.1:$peer_port" \
    --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" --initial-cluster "cli=http://127.0.0.1:$peer_port" \
    >"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  mkdir -p "$work/state"
  printf 'bot:\n  knowledge_dir: %s/knowledge\n  state_dir: %s/state\nirc:\n  enabled: false\nhttp:\n  listen: 127.0.0.1:%s\ncoordination:\n  backend: etcd\n  identity: replica-cli\n  lease_ttl: 3s\n  request_timeout: 1s\n  etcd:\n    endpoints: [http://127.0.0.1:%s]\n' "$source_dir" "$work" "$http_port" "$client_port" >"$work/katabot.yaml"
  out=$("$katabot" --check-config --config "$work/katabot.yaml" 2>&1); expect_equal "$?" 0 "etcd settings are valid"
  "$katabot" --config "$work/katabot.yaml" >"$work/katabot.log" 2>&1 &
  bot_pid=$!
  trap 'kill -KILL "$bot_pid" "$etcd_pid" 2>/dev/null; rm -rf "$work"' EXIT
  readiness=""
  deadline=$((SECONDS + 40))  # etcd starts, then the replica campaigns; a loaded CI machine is slow
  while ((SECONDS < deadline)); do
    readiness=$(curl -s --max-time 1 "http://127.0.0.1:$http_port/readyz")
    [[ "$readiness" == *"role: leader (epoch "* ]] && break
    sleep 0.2
  done
  expect_contains "$readiness" "role: leader (epoch " \
    "/readyz names the role; katabot said:"$'\n'"$(cat "$work/katabot.log")"$'\n'"etcd said:"$'\n'"$(tail -5 "$work/etcd.log")"
  metrics=$(curl -s --max-time 2 "http://127.0.0.1:$http_port/metrics")
  expect_contains "$metrics" $'\nkatabot_is_leader 1\n' "katabot_is_leader"
  expect_contains "$metrics" 'katabot_leader_transitions_total{reason="became_leader"} 1' "one transition"
  started=$(date +%s%N)
  kill -TERM "$bot_pid"; wait "$bot_pid"; expect_equal "$?" 0 "exit code after SIGTERM"
  took_ms=$(( ($(date +%s%N) - started) / 1000000 ))
  echo "stopped $took_ms ms after SIGTERM"
  (( took_ms < 2000 )) || fail "SIGTERM took $took_ms ms"
  expect_contains "$(cat "$work/katabot.log")" "stopped leading" "stepped down on SIGTERM"
  kill -KILL "$etcd_pid"; wait "$etcd_pid" 2>/dev/null
  ;;
check_config_broken)
  mkdir -p "$work/knowledge"
  cp "$source_dir/knowledge/meetings.yaml" "$work/knowledge/"
  printf 'topics:\n  - id: conduct\n    title: Code\n    summary: ""\n    links: [{title: x, url: "nope"}]\n  - id: conduct\n    title: Again\n    summary: "x"\n    links: [{title: x, url: "https://example.org/"}]\n    colour: red\n' >"$work/knowledge/topics.yaml"
  printf 'bot:\n  knowledge_dir: knowledge\nirc:\n  enabled: false\nhttp:\n  listen: ""\n' >"$work/katabot.yaml"
  err=$("$katabot" --check-config --config "$work/katabot.yaml" 2>&1 >/dev/null); expect_equal "$?" 2 "broken knowledge exit"
  expect_contains "$err" "$work/knowledge/topics.yaml:4:14: topic 'conduct' has an empty summary" "empty summary"
  expect_contains "$err" "$work/knowledge/topics.yaml:5:29: malformed URL 'nope'" "bad url"
  expect_contains "$err" "$work/knowledge/topics.yaml:6:9: duplicate id or alias 'conduct' (first defined at line 2)" "duplicate"
  expect_contains "$err" "$work/knowledge/topics.yaml:10:5: unknown key 'colour'" "unknown key"
  expect_contains "$err" "4 problems found" "problem count"
  printf 'meetings:\n  - id: ac\n    title: AC\n    day: thursday\n    time: 13:00\n' >"$work/knowledge/meetings.yaml"
  printf 'topics: [\n' >"$work/knowledge/topics.yaml"
  err=$("$katabot" --check-config --config "$work/katabot.yaml" 2>&1 >/dev/null); expect_equal "$?" 2 "broken yaml exit"
  [[ "$err" =~ topics\.yaml:[0-9]+:[0-9]+:\  ]] || fail "YAML syntax error without line:col: $err"
  printf 'topics:\n  - id: caf\xe9\n' >"$work/knowledge/topics.yaml"
  err=$("$katabot" --check-config --config "$work/katabot.yaml" 2>&1 >/dev/null); expect_equal "$?" 2 "latin-1 topics exit"
  expect_contains "$err" "$work/knowledge/topics.yaml:2:12: not valid UTF-8 (byte 0xE9)" "latin-1 topics"
  rm "$work/knowledge/topics.yaml" && mkfifo "$work/knowledge/topics.yaml"
  err=$(timeout 20 "$katabot" --check-config --config "$work/katabot.yaml" 2>&1 >/dev/null); expect_equal "$?" 2 "fifo topics exit"
  expect_contains "$err" "$work/knowledge/topics.yaml: is a FIFO (named pipe), not a regular file" "fifo topics"
  ;;
schedule_dst)
  # A Berlin meeting at 13:00 local is 12:00 UTC in winter and 11:00 UTC in summer; Europe moves to
  # summer time on Sunday 2027-03-28. Expected values computed by hand from those rules.
  mkdir -p "$work/knowledge"
  cp "$source_dir/knowledge/topics.yaml" "$work/knowledge/"
  printf 'meetings:\n  - id: berlin\n    title: Berlin call\n    day: thursday\n    time: "13:00"\n    timezone: Europe/Berlin\n    reminders: [24h, 15m]\n    skip: [2027-03-25]\n' >"$work/knowledge/meetings.yaml"
  printf 'bot:\n  knowledge_dir: knowledge\nhttp:\n  listen: ""\n' >"$work/katabot.yaml"
  out=$("$katabot" --schedule --from 2027-03-11T00:00:00Z --count 3 --config "$work/katabot.yaml")
  expect_equal "$?" 0 "schedule exit"
  expected='2027-03-11T12:00:00Z  berlin  Berlin call (Thu 11 Mar 2027 13:00 CET)
    reminder 1d before: 2027-03-10T12:00:00Z
    reminder 15m before: 2027-03-11T11:45:00Z
2027-03-18T12:00:00Z  berlin  Berlin call (Thu 18 Mar 2027 13:00 CET)
    reminder 1d before: 2027-03-17T12:00:00Z
    reminder 15m before: 2027-03-18T11:45:00Z
2027-04-01T11:00:00Z  berlin  Berlin call (Thu 01 Apr 2027 13:00 CEST)
    reminder 1d before: 2027-03-31T11:00:00Z
    reminder 15m before: 2027-04-01T10:45:00Z'
  expect_equal "$out" "$expected" "schedule across the spring DST change with a skip date"
  err=$("$katabot" --schedule --from yesterday 2>&1 >/dev/null); expect_equal "$?" 2 "bad --from exit"
  ;;
ics_feed)
  out=$(cd "$source_dir" && "$katabot" --ics); expect_equal "$?" 0 "ics exit"
  [[ "$out" == BEGIN:VCALENDAR$'\r'* ]] || fail "ics does not start with BEGIN:VCALENDAR CRLF"
  expect_contains "$out" "RRULE:FREQ=WEEKLY" "ics recurrence"
  expect_contains "$out" "END:VCALENDAR" "ics end"
  ;;
overrides)
  # An admin skips and moves calls from the console; --schedule, --ics and a restarted console all
  # read them back from state_dir, and unskip restores the call.
  printf 'bot:\n  knowledge_dir: %s/knowledge\n  state_dir: %s/state\nhttp:\n  listen: ""\n' "$source_dir" "$work" >"$work/katabot.yaml"
  first=$(date -u -d 'next thursday' +%F) second=$(date -u -d 'next thursday + 7 days' +%F)
  out=$(printf '%s\n' "!skip ac $first holidays" "!move architecture $second 15:30" | "$katabot" --console --config "$work/katabot.yaml")
  expect_equal "$?" 0 "console exit"
  expect_contains "$out" "Skipped: Architecture Committee meeting on Thu $first (holidays)." "skip answer"
  expect_contains "$out" "Moved: Architecture Committee meeting of Thu $second to" "move answer"
  expect_contains "$out" "[to the meeting's channels] Architecture Committee meeting on Thu $first is cancelled: holidays." "skip echoed to the channels"
  schedule=$("$katabot" --schedule --count 2 --config "$work/katabot.yaml")
  expect_equal "$?" 0 "schedule exit"
  expect_contains "$schedule" "${first}T13:00:00Z  architecture-committee  Architecture Committee meeting  CANCELLED: holidays" "--schedule shows the skip"
  expect_contains "$schedule" "${second}T15:30:00Z  architecture-committee  Architecture Committee meeting (" "--schedule shows the move"
  expect_contains "$schedule" "MOVED from $second" "--schedule says it moved"
  expect_contains "$schedule" "reminder 15m before: ${second}T15:15:00Z" "reminders follow the move"
  ics=$("$katabot" --ics --config "$work/katabot.yaml")
  expect_contains "$ics" "EXDATE:${first//-/}T130000Z" "feed excludes the skipped call"
  expect_contains "$ics" "RECURRENCE-ID:${second//-/}T130000Z" "feed overrides the moved call"
  # A restart: the console reads the log again.
  out=$(printf '%s\n' '!next' '!status' "!unskip ac $first" | "$katabot" --console --config "$work/katabot.yaml")
  # On a Thursday morning the next call is today's, before the skipped one.
  [[ $(date -u +%u) == 4 ]] || expect_contains "$out" "call on $first is cancelled: holidays" "next explains the skip after a restart"
  expect_contains "$out" "Override: architecture-committee $first skipped: holidays" "status lists the overrides"
  expect_contains "$out" "Restored: Architecture Committee meeting on Thu $first" "unskip answer"
  schedule=$("$katabot" --schedule --count 1 --config "$work/katabot.yaml")
  expect_contains "$schedule" "${first}T13:00:00Z  architecture-committee  Architecture Committee meeting (" "unskip restores the call"
  ;;
*)
  fail "unknown scenario $scenario"
  ;;
esac

if ((failures)); then
  echo "$scenario: $failures check(s) failed"
  exit 1
fi
echo "$scenario: ok"
