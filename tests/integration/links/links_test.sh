#!/usr/bin/env bash
# Usage: links_test.sh SCENARIO KATABOT — katabot --check-links, the real binary, against
# links_server.py on 127.0.0.1 (HTTPS with a CA this script makes) and a knowledge dir pointing at it.
set -uo pipefail
scenario=$1 katabot=$(realpath "$2")
here=$(dirname "$(realpath "$0")")
work=$(mktemp -d)
server_pid=
cleanup() { [[ -n $server_pid ]] && kill "$server_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
expect_equal() {  # actual expected description
  [[ "$1" == "$2" ]] || fail "$3: expected"$'\n'"[$2]"$'\n'"got"$'\n'"[$1]"
}

make_certificates() {
  cd "$work" || exit 1
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=katabot-links-ca -keyout ca.key -out ca.pem \
    -addext basicConstraints=critical,CA:TRUE -addext keyUsage=keyCertSign,cRLSign 2>/dev/null || exit 1
  echo "subjectAltName=IP:127.0.0.1" > server.ext
  openssl req -newkey rsa:2048 -nodes -subj /CN=127.0.0.1 -keyout server.key -out server.csr 2>/dev/null || exit 1
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -out server.pem \
    -extfile server.ext 2>/dev/null || exit 1
  cd - >/dev/null || exit 1
}

start_server() {
  python3 "$here/links_server.py" "$work/server.pem" "$work/server.key" "$work/ports" 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 100); do [[ -s $work/ports ]] && break; sleep 0.1; done
  [[ -s $work/ports ]] || { echo "FAIL: the test server did not start"; cat "$work/server.log"; exit 1; }
  { read -r port; read -r mute_port; read -r plain_port; } <"$work/ports"
  base="https://127.0.0.1:$port"
}

write_config() {
  mkdir -p "$work/knowledge"
  cat >"$work/katabot.yaml" <<YAML
bot:
  name: katabot
  knowledge_dir: knowledge
  state_dir: $work/state
slack:
  enabled: false
irc:
  enabled: false
http:
  listen: ""
YAML
  cat >"$work/knowledge/meetings.yaml" <<YAML
meetings:
  - id: weekly
    title: Weekly call
    day: thursday
    time: "13:00"
    timezone: UTC
    frequency: weekly
    agenda: $base/ok
    join: $base/moved
    reminders: [15m]
YAML
}

good_topic() {
  cat <<YAML
  - id: good
    title: Good links
    summary: Every link here answers, one after a redirect.
    details: |
      Plain <$base/ok|ok> and the feed webcal://127.0.0.1:$port/ok to subscribe.
    links:
      - title: moved
        url: $base/moved
      - title: refuses HEAD
        url: $base/get-only
      - title: plain http
        url: http://127.0.0.1:$plain_port/ok
      - title: mail
        url: mailto:security@example.org
YAML
}

bad_topic() {
  cat <<YAML
  - id: bad
    title: Broken links
    summary: See $base/missing for nothing.
    details: |
      Waits forever:
        <$base/silent|silent>
    links:
      - title: loop
        url: $base/loop
      - title: mute
        url: https://127.0.0.1:$mute_port/
      - title: missing again
        url: $base/missing
      - title: moved, then gone
        url: $base/gone
YAML
}

run_check() {  # extra katabot arguments…
  local started=$SECONDS
  out=$(cd "$work" && "$katabot" --check-links --config katabot.yaml --link-timeout 2s "$@" 2>"$work/err")
  status=$?
  elapsed=$((SECONDS - started))
  err=$(cat "$work/err")
}

make_certificates
start_server
write_config
topics="$work/knowledge/topics.yaml"

case "$scenario" in
broken_links)
  { echo "topics:"; good_topic; bad_topic; } >"$topics"
  run_check --ca-file "$work/ca.pem"
  expect_equal "$status" 2 "exit status with broken links"
  expect_equal "$out" "$topics:18:18: $base/missing: 404
$topics:21:10: $base/silent: timeout
$topics:24:14: $base/loop: too many redirects
$topics:26:14: https://127.0.0.1:$mute_port/: timeout
$topics:28:14: $base/missing: 404
$topics:30:14: $base/gone: 404 (redirected to $base/missing)
10 URLs checked in 13 places: 5 broken; 1 mailto: address skipped (mail cannot be checked)" "report"
  # The silent server would wait 120 s: the 2 s per-URL timeout is what ends those checks.
  (( elapsed <= 8 )) || fail "took $elapsed s with a 2 s timeout per URL"
  grep -qx "GET /get-only" "$work/server.log" || fail "no GET after the HEAD was refused with 405"
  ;;
all_good)
  { echo "topics:"; good_topic; } >"$topics"
  run_check --ca-file "$work/ca.pem"
  expect_equal "$status" 0 "exit status when every link answers"
  expect_equal "$out" "5 URLs checked in 7 places: all answer; 1 mailto: address skipped (mail cannot be checked)" "report"
  ;;
four_at_a_time)
  # Five URLs that never answer: four are waited on side by side, the fifth when one times out.
  { echo "topics:"
    echo "  - id: slow"
    echo "    title: Slow links"
    echo "    summary: Five links that never answer."
    echo "    links:"
    for n in 1 2 3 4 5; do echo "      - {title: slow $n, url: \"$base/silent?$n\"}"; done
  } >"$topics"
  run_check --ca-file "$work/ca.pem"
  expect_equal "$status" 2 "exit status when links time out"
  expect_equal "$(grep -c ': timeout$' <<<"$out")" 5 "every silent URL reported as a timeout"
  expect_equal "$(grep '^silent in flight' "$work/server.log" | sort -t: -k2 -n | tail -1)" "silent in flight: 4" \
    "at most and at least four URLs in flight"
  ;;
untrusted_certificate)
  # Without --ca-file the test CA is unknown: verification is on, so every https URL fails.
  { echo "topics:"; good_topic; } >"$topics"
  run_check
  expect_equal "$status" 2 "exit status when the certificate is not trusted"
  expect_equal "$(grep -c ': tls: certificate verify failed: ' <<<"$out")" 6 "one TLS failure per place"
  ;;
wrong_host)
  # The certificate names 127.0.0.1 only: reached as localhost, the host name check must refuse it.
  { echo "topics:"
    echo "  - id: named"
    echo "    title: By name"
    echo "    summary: The same server under a name its certificate does not carry, https://localhost:$port/ok"
    echo "    links: [{title: by address, url: \"$base/ok\"}]"
  } >"$topics"
  run_check --ca-file "$work/ca.pem"
  expect_equal "$status" 2 "exit status when the host name does not match"
  expect_equal "$out" "$topics:4:75: https://localhost:$port/ok: tls: certificate verify failed: the certificate is not for localhost
3 URLs checked in 4 places: 1 broken" "report"
  ;;
bad_ca_file)
  { echo "topics:"; good_topic; } >"$topics"
  echo "not a certificate" >"$work/junk.pem"
  run_check --ca-file "$work/junk.pem"
  expect_equal "$status" 2 "exit status with an unusable --ca-file"
  [[ "$err" == "katabot: --ca-file $work/junk.pem: cannot load it as PEM certificates: "* ]] || fail "message: [$err]"
  expect_equal "$out" "" "nothing checked"
  ;;
*)
  echo "unknown scenario $scenario"; exit 2 ;;
esac
if (( failures > 0 )); then
  echo "--- stderr of katabot:"; echo "$err"; echo "--- server log:"; cat "$work/server.log"
  exit 1
fi
echo "PASS: $scenario"
