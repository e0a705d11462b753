#!/usr/bin/env bash
# Usage: ha_deploy_test.sh SCENARIO KATABOT SOURCE_DIR [HA_ETCD_PROBE] — one check of deploy/ha/ as an
# operator uses it (etcd_tls also runs ha_etcd_probe).
# Exit 0 = passed, 1 = failed, 77 = skipped (a tool is missing; the output says which).
set -uo pipefail
scenario=$1 katabot=$(realpath "$2") source_dir=$(realpath "$3") etcd_probe=${4:-}
ha=$source_dir/deploy/ha
work=$(mktemp -d)
etcd_pid=""
cleanup() {
  [[ -z $etcd_pid ]] || { kill "$etcd_pid" 2>/dev/null; wait "$etcd_pid" 2>/dev/null; }
  rm -rf "$work"
}
trap cleanup EXIT
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
skip() { echo "SKIPPED: $*"; exit 77; }
expect_equal() {  # actual expected description
  [[ "$1" == "$2" ]] || fail "$3: expected [$2], got [$1]"
}
expect_contains() {  # haystack needle description
  [[ "$1" == *"$2"* ]] || fail "$3: expected to find [$2] in:"$'\n'"$1"
}

# The value of one Environment=NAME=value line of a systemd unit file.
unit_environment() { sed -n "s/^Environment=$2=//p" "$1"; }

# The member host names of the etcd drop-in, one a line, in ETCD_INITIAL_CLUSTER's order.
member_hosts() { unit_environment "$ha/etcd-member.conf" ETCD_INITIAL_CLUSTER | tr ',' '\n' | cut -d= -f1; }

# The hosts of katabot-ha.yaml's coordination.etcd.endpoints, one a line.
endpoint_hosts() {
  sed -n 's/^ *endpoints: *\[\(.*\)\].*/\1/p' "$ha/katabot-ha.yaml" | tr ',' '\n' | sed 's#^ *https://##; s#:[0-9]*$##'
}

make_certs() {  # OUT_DIR HOST...
  "$ha/make-certs.sh" "$@" >"$work/make-certs.log" 2>&1 || { cat "$work/make-certs.log"; fail "make-certs.sh $*"; exit 1; }
}

# The replica configuration as the docs install it: deploy/katabot.yaml, then katabot-ha.yaml, with
# the knowledge base beside it.
install_replica_config() {  # DIR
  mkdir -p "$1"
  cat "$source_dir/deploy/katabot.yaml" "$ha/katabot-ha.yaml" >"$1/katabot.yaml"
  ln -s "$source_dir/knowledge" "$1/knowledge"
}

# --check-config with the tokens of deploy/katabot.yaml as placeholders and the given extra variables.
check_config() {  # CONFIG NAME=VALUE...
  local config=$1
  shift
  env -i PATH="$PATH" SLACK_APP_TOKEN=xapp-placeholder SLACK_BOT_TOKEN=xoxb-placeholder IRC_NICKSERV_PASSWORD= "$@" \
    "$katabot" --check-config --config "$config" 2>&1
}

case "$scenario" in
certificates)
  mapfile -t members < <(member_hosts)
  expect_equal "${#members[@]}" 3 "members in etcd-member.conf's ETCD_INITIAL_CLUSTER"
  expect_equal "$(endpoint_hosts | sort | tr '\n' ' ')" "$(member_hosts | sort | tr '\n' ' ')" \
    "katabot-ha.yaml's endpoints name the members of etcd-member.conf"
  make_certs "$work/ca" "${members[@]}"
  allowed_cn=$(unit_environment "$ha/etcd-member.conf" ETCD_PEER_CERT_ALLOWED_CN)
  for host in "${members[@]}"; do
    dir=$work/ca/$host
    for file in $(sed -n 's/^Environment=ETCD_[A-Z_]*_FILE=//p' "$ha/etcd-member.conf"); do
      [[ -f $dir/$(basename "$file") ]] || fail "etcd-member.conf names $file, which make-certs.sh does not make for $host"
    done
    for cert in server peer; do
      # Members are servers to their clients and peers, and clients of their peers (and of
      # themselves: the JSON gateway dials its own member with the server certificate).
      for purpose in sslserver sslclient; do
        out=$(openssl verify -CAfile "$work/ca/ca.crt" -purpose "$purpose" "$dir/$cert.crt" 2>&1)
        expect_equal "$out" "$dir/$cert.crt: OK" "$host $cert certificate for $purpose"
      done
      sans=$(openssl x509 -in "$dir/$cert.crt" -noout -ext subjectAltName)
      expect_contains "$sans" "DNS:$host" "$host $cert certificate names the host the configs name"
      expect_equal "$(stat -c %a "$dir/$cert.key")" 600 "$host $cert key readable by its owner only"
    done
    expect_contains "$(openssl x509 -in "$dir/server.crt" -noout -ext subjectAltName)" "IP Address:127.0.0.1" \
      "$host server certificate for etcdctl on the host"
    expect_equal "$(openssl x509 -in "$dir/peer.crt" -noout -subject -nameopt sep_multiline | sed -n 's/^ *CN=//p')" "$allowed_cn" \
      "$host peer certificate CN is ETCD_PEER_CERT_ALLOWED_CN"
  done
  client=$work/ca/katabot
  out=$(openssl verify -CAfile "$work/ca/ca.crt" -purpose sslclient "$client/katabot.crt" 2>&1)
  expect_equal "$out" "$client/katabot.crt: OK" "katabot client certificate"
  # No CN: etcd's gateway refuses a client certificate with one when auth is on (and so the bot's
  # certificate cannot pass as a peer either).
  expect_equal "$(openssl x509 -in "$client/katabot.crt" -noout -subject -nameopt sep_multiline | grep -c '^ *CN=')" 0 \
    "the client certificate has no CN"
  # What the katabot drop-in loads as credentials exists in make-certs.sh's client folder, and is what
  # katabot-ha.yaml reads from ${CREDENTIALS_DIRECTORY}.
  credentials=$(sed -n 's/^LoadCredential=\([^:]*\):.*/\1/p' "$ha/katabot-ha.conf" | sort | tr '\n' ' ')
  named=$(grep -o '\${CREDENTIALS_DIRECTORY}/[A-Za-z0-9._-]*' "$ha/katabot-ha.yaml" | sed 's#.*/##' | sort | tr '\n' ' ')
  expect_equal "$credentials" "$named" "katabot-ha.conf's credentials are the files katabot-ha.yaml names"
  for file in $(sed -n 's/^LoadCredential=[^:]*://p' "$ha/katabot-ha.conf"); do
    [[ -f $client/$(basename "$file") ]] || fail "katabot-ha.conf loads $file, which make-certs.sh does not make"
  done
  # A bad name is refused before anything is written.
  out=$("$ha/make-certs.sh" "$work/refused" 'bot1.example.org,evil;rm' 2>&1); expect_equal "$?" 2 "make-certs.sh with a bad name"
  expect_contains "$out" "'evil;rm' is neither a host name nor an IP address" "make-certs.sh says which name"
  [[ ! -e $work/refused ]] || fail "make-certs.sh wrote files for a refused name"
  ;;
check_config)
  make_certs "$work/ca" $(member_hosts)
  install_replica_config "$work/etc"
  out=$(check_config "$work/etc/katabot.yaml" KATABOT_IDENTITY=bot1.example.org CREDENTIALS_DIRECTORY="$work/ca/katabot" \
        KATABOT_ETCD_PASSWORD=placeholder)
  expect_equal "$?" 0 "--check-config of deploy/katabot.yaml + deploy/ha/katabot-ha.yaml"
  expect_contains "$out" "are valid" "--check-config message"
  # The check reads what the comments say it reads: without the password the replica must not start.
  out=$(check_config "$work/etc/katabot.yaml" KATABOT_IDENTITY=bot1.example.org CREDENTIALS_DIRECTORY="$work/ca/katabot")
  expect_equal "$?" 2 "--check-config without KATABOT_ETCD_PASSWORD"
  expect_contains "$out" "environment variable KATABOT_ETCD_PASSWORD (coordination.etcd.auth.password_env) is not set" \
    "the missing password is named"
  ;;
systemd_units)
  command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed: the units are not verified"
  units=$work/units
  mkdir -p "$units/katabot.service.d"
  # verify insists that ExecStart exists: the built binary stands in for /usr/local/bin/katabot.
  sed "s#/usr/local/bin/katabot#$katabot#" "$source_dir/deploy/katabot.service" >"$units/katabot.service"
  cp "$ha/katabot-ha.conf" "$units/katabot.service.d/ha.conf"
  verified=("$units/katabot.service")
  if [[ -f /lib/systemd/system/etcd.service ]]; then
    mkdir -p "$units/etcd.service.d"
    cp /lib/systemd/system/etcd.service "$units/"
    cp "$ha/etcd-member.conf" "$units/etcd.service.d/katabot-ha.conf"
    verified+=("$units/etcd.service")
  else
    echo "NOTE: Debian's etcd.service (etcd-server) is not installed: etcd-member.conf is not verified"
  fi
  # verify exits 0 on unknown keys and bad values, which it only prints: any output is a finding.
  out=$(SYSTEMD_UNIT_PATH="$units:" systemd-analyze verify "${verified[@]}" 2>&1)
  expect_equal "$?" 0 "systemd-analyze verify exit"
  expect_equal "$out" "" "systemd-analyze verify findings"
  ;;
kubernetes)
  python3 -c 'import yaml' 2>/dev/null || skip "python3-yaml is not installed: the manifests are not parsed"
  kubectl=$(command -v kubectl)
  make_certs "$work/ca" $(member_hosts)
  python3 "$source_dir/tests/integration/deploy/kubernetes_check.py" "$source_dir" "$katabot" "$work" "$work/ca/katabot" "$kubectl"
  status=$?
  [[ $status -eq 77 ]] && skip "kubectl (with kustomize) is not installed: the manifests were parsed, not rendered"
  [[ $status -eq 0 ]] || fail "kubernetes_check.py"
  ;;
etcd_tls)
  [[ -x $etcd_probe ]] || { echo "etcd_tls needs the ha_etcd_probe binary as its fourth argument"; exit 2; }
  for tool in etcd etcdctl curl python3; do
    command -v $tool >/dev/null || skip "$tool is not installed: etcd is not started with etcd-member.conf"
  done
  # One member on loopback, named localhost, with the drop-in's settings; only the addresses, ports and
  # file locations are the test's own.
  make_certs "$work/ca" localhost
  read -r client_port peer_port < <(python3 -c '
import socket
sockets = [socket.socket() for _ in range(2)]
for s in sockets: s.bind(("127.0.0.1", 0))
print(*(s.getsockname()[1] for s in sockets))')
  mapfile -t settings < <(sed -n 's/^Environment=//p' "$ha/etcd-member.conf" | sed \
    -e "s#%H#localhost#g" -e "s#/etc/etcd/tls#$work/ca/localhost#g" -e "s#0\.0\.0\.0#127.0.0.1#g" \
    -e "s#:2379#:$client_port#g" -e "s#:2380#:$peer_port#g" \
    -e "s#^ETCD_DATA_DIR=.*#ETCD_DATA_DIR=$work/data#" \
    -e "s#^ETCD_INITIAL_CLUSTER=.*#ETCD_INITIAL_CLUSTER=localhost=https://localhost:$peer_port#")
  env -i PATH="$PATH" "${settings[@]}" etcd >"$work/etcd.log" 2>&1 &
  etcd_pid=$!
  tls=$work/ca/localhost client=$work/ca/katabot url=https://localhost:$client_port
  gateway() {  # PATH BODY [curl options]: the answer of etcd's JSON gateway, as the bot calls it
    local path=$1 body=$2
    shift 2
    curl -sS --max-time 3 --cacert "$tls/ca.crt" --cert "$client/katabot.crt" --key "$client/katabot.key" "$@" \
      -X POST "$url/v3$path" -d "$body" 2>&1
  }
  deadline=$((SECONDS + 10))
  while ((SECONDS < deadline)) && kill -0 "$etcd_pid" 2>/dev/null; do
    [[ $(gateway /maintenance/status '{}' --max-time 1) == *'"leader"'* ]] && break
    sleep 0.1
  done
  out=$(gateway /maintenance/status '{}')
  if [[ $out != *'"leader"'* ]]; then  # nothing else can be checked
    fail "etcd does not serve the bot's client certificate within 10 s: $out"$'\n'"etcd log: $(tail -3 "$work/etcd.log")"
    exit 1
  fi
  out=$(curl -sS --max-time 5 --cacert "$tls/ca.crt" -X POST "$url/v3/maintenance/status" -d '{}' 2>&1)
  [[ $out != *'"leader"'* ]] || fail "a client without a certificate was served: $out"
  peer() { curl -sS --http1.1 --max-time 5 -o /dev/null -w '%{http_code}' --cacert "$tls/ca.crt" "$@" "https://localhost:$peer_port/members" 2>/dev/null; }
  expect_equal "$(peer --cert "$tls/peer.crt" --key "$tls/peer.key")" 200 "a member's peer certificate on the peer port"
  code=$(peer --cert "$client/katabot.crt" --key "$client/katabot.key")
  [[ $code != 200 ]] || fail "the bot's certificate was accepted as a peer"

  # etcd-users.sh, then what a replica does first, by katabot's own configuration and etcd client,
  # with the replica configuration pointed at this member.
  out=$(ETCD_ROOT_PASSWORD=root-secret KATABOT_ETCD_PASSWORD=bot-secret "$ha/etcd-users.sh" "$url" "$tls" 2>&1)
  expect_equal "$?" 0 "etcd-users.sh: $out"
  install_replica_config "$work/etc"
  sed -i "s#^\( *endpoints:\).*#\1 [$url]#" "$work/etc/katabot.yaml"
  out=$(env -i PATH="$PATH" SLACK_APP_TOKEN=xapp-placeholder SLACK_BOT_TOKEN=xoxb-placeholder IRC_NICKSERV_PASSWORD= \
        KATABOT_IDENTITY=replica-1 CREDENTIALS_DIRECTORY="$client" KATABOT_ETCD_PASSWORD=bot-secret \
        "$etcd_probe" "$work/etc/katabot.yaml" 2>&1)
  expect_equal "$?" 0 "ha_etcd_probe:"$'\n'"$out"
  echo "$out"
  # The member's own certificate must not stand in for a user: without a token, nothing is read.
  out=$(gateway /kv/range "{\"key\":\"$(printf /katabot/leader | base64)\"}")
  expect_contains "$out" '"error":"etcdserver: user name is empty"' "a read without a token, with auth on"
  ;;
*)
  echo "unknown scenario $scenario"
  exit 2
  ;;
esac

[[ $failures -eq 0 ]] || { echo "$failures check(s) failed"; exit 1; }
echo "PASS: $scenario"
