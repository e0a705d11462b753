#!/usr/bin/env bash
# Turns on etcd's authentication for katabot's cluster, once, after the three members first run:
# a root user for the operator, and a user katabot that may read and write only under the bot's
# key_prefix (/katabot/). Run it on one member host:
#   ETCD_ROOT_PASSWORD=… KATABOT_ETCD_PASSWORD=… deploy/ha/etcd-users.sh https://$(hostname):2379 /etc/etcd/tls
# TLS_DIR holds the member's ca.crt, server.crt and server.key (a server certificate of make-certs.sh
# is also a client certificate). The passwords come from the environment, so that they appear in no
# command line (ps) and no shell history; etcdctl reads them from its standard input.
# Afterwards, etcdctl needs --user root; katabot logs in as katabot with KATABOT_ETCD_PASSWORD.
set -euo pipefail
[[ $# -eq 2 || $# -eq 3 ]] || { echo "usage: $0 ENDPOINT TLS_DIR [KEY_PREFIX]   (see the comment at the top of $0)" >&2; exit 2; }
endpoint=$1 tls=$2 prefix=${3:-/katabot/}
for variable in ETCD_ROOT_PASSWORD KATABOT_ETCD_PASSWORD; do
  [[ -n ${!variable:-} ]] || { echo "$0: set $variable to the password to give that etcd user" >&2; exit 2; }
done
for file in ca.crt server.crt server.key; do
  [[ -r $tls/$file ]] || { echo "$0: cannot read $tls/$file (make-certs.sh's files for this member)" >&2; exit 2; }
done

etcdctl() {
  ETCDCTL_API=3 command etcdctl --endpoints="$endpoint" --cacert="$tls/ca.crt" --cert="$tls/server.crt" \
    --key="$tls/server.key" --command-timeout=5s "$@"
}

etcdctl user add root --interactive=false <<<"$ETCD_ROOT_PASSWORD"
etcdctl user grant-role root root
etcdctl role add katabot
etcdctl role grant-permission katabot --prefix=true readwrite "$prefix"
etcdctl user add katabot --interactive=false <<<"$KATABOT_ETCD_PASSWORD"
etcdctl user grant-role katabot katabot
etcdctl auth enable
