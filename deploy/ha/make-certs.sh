#!/usr/bin/env bash
# A private CA for katabot's etcd cluster, and the certificates the cluster and the bot need.
#
#   deploy/ha/make-certs.sh OUT_DIR HOST[,SAN...] HOST[,SAN...] HOST[,SAN...]
#   deploy/ha/make-certs.sh /root/katabot-ca bot1.example.org,10.0.0.11 bot2.example.org,10.0.0.12 bot3.example.org,10.0.0.13
#
# Each HOST is a member's host name as the other hosts resolve it (etcd-member.conf advertises %H);
# the names and IP addresses after it are added to its certificates. Writes:
#   OUT_DIR/ca.crt, ca.key        the CA (ca.key never leaves the machine that runs this script)
#   OUT_DIR/HOST/server.{crt,key} the member's client-port certificate: HOST, its SANs, localhost and
#                                 127.0.0.1 (etcdctl on the host itself); serverAuth and clientAuth,
#                                 because etcd's JSON gateway dials the member with it
#   OUT_DIR/HOST/peer.{crt,key}   the member's peer certificate: CN etcd-peer (the only CN the members
#                                 accept from a peer, ETCD_PEER_CERT_ALLOWED_CN), HOST and its SANs
#   OUT_DIR/HOST/ca.crt           a copy of the CA certificate, so that one folder is one host's install
#   OUT_DIR/katabot/katabot.{crt,key}, ca.crt   the bot's client certificate (clientAuth only) with no
#                                 CN: with etcd auth on, the JSON gateway answers 400 to a client
#                                 certificate that has one, since it cannot map it to a user (the bot
#                                 logs in with a user name and password instead)
# An existing CA in OUT_DIR is reused, so running it again for a new or replaced host adds that host's
# certificates to the same cluster. Keys are EC P-256 and readable by their owner only.
# CERT_DAYS (default 825) sets the validity of the host and client certificates, the CA gets 10 years.
set -euo pipefail

usage() {
  echo "usage: $0 OUT_DIR HOST[,SAN...] [HOST[,SAN...] ...]   (see the comment at the top of $0)" >&2
  exit 2
}
[[ $# -ge 2 ]] || usage
out=$1
shift
days=${CERT_DAYS:-825}
[[ $days =~ ^[1-9][0-9]{0,4}$ ]] || { echo "$0: CERT_DAYS '$days' is not a number of days" >&2; exit 2; }

# A SAN entry goes into an OpenSSL config line: only host names and IP addresses, never anything
# that could add a line or another extension.
san_entry() {
  local name=$1
  if [[ $name =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ || $name =~ ^[0-9A-Fa-f:]+:[0-9A-Fa-f:.]*$ ]]; then
    echo "IP:$name"
  elif [[ $name =~ ^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$ ]]; then
    echo "DNS:$name"
  else
    echo "$0: '$name' is neither a host name nor an IP address" >&2
    exit 2
  fi
}

# Every name is checked before anything is written.
for member in "$@"; do
  IFS=, read -r -a names <<<"$member"
  for name in "${names[@]}"; do san_entry "$name" >/dev/null; done
  [[ $(san_entry "${names[0]}") == DNS:* ]] || { echo "$0: a member is named by its host name first, not '${names[0]}'" >&2; exit 2; }
done

umask 077
mkdir -p "$out"
extensions=$(mktemp)
trap 'rm -f "$extensions" "$out"/*.csr "$out"/*/*.csr' EXIT

new_key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [[ ! -f $out/ca.key ]]; then
  new_key "$out/ca.key"
  printf '[req]\ndistinguished_name = dn\nx509_extensions = ca\n[dn]\n[ca]\n%s\n%s\n%s\n' \
    'basicConstraints = critical, CA:TRUE, pathlen:0' 'keyUsage = critical, keyCertSign, cRLSign' \
    'subjectKeyIdentifier = hash' >"$extensions"
  openssl req -x509 -new -key "$out/ca.key" -subj "/CN=katabot etcd CA" -days 3650 -config "$extensions" \
    -out "$out/ca.crt"
  echo "made the CA: $out/ca.crt"
else
  echo "reusing the CA in $out"
fi

# sign DIR NAME SUBJECT EXTENDED_KEY_USAGE SAN_LIST: DIR/NAME.key and DIR/NAME.crt signed by the CA.
sign() {
  local dir=$1 name=$2 subject=$3 usage=$4 sans=$5
  mkdir -p "$dir"
  new_key "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "$subject" -out "$dir/$name.csr"
  {
    echo 'basicConstraints = critical, CA:FALSE'
    echo 'keyUsage = critical, digitalSignature, keyEncipherment'
    echo "extendedKeyUsage = $usage"
    echo 'authorityKeyIdentifier = keyid'
    [[ -z $sans ]] || echo "subjectAltName = $sans"
  } >"$extensions"
  openssl x509 -req -in "$dir/$name.csr" -CA "$out/ca.crt" -CAkey "$out/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
    -days "$days" -extfile "$extensions" -out "$dir/$name.crt" 2>/dev/null
  rm -f "$dir/$name.csr"
  cp "$out/ca.crt" "$dir/ca.crt"
}

for member in "$@"; do
  IFS=, read -r -a names <<<"$member"
  host=${names[0]}
  sans=""
  for name in "${names[@]}"; do sans+="${sans:+, }$(san_entry "$name")"; done
  sign "$out/$host" server "/CN=$host" "serverAuth, clientAuth" "$sans, DNS:localhost, IP:127.0.0.1"
  sign "$out/$host" peer /CN=etcd-peer "serverAuth, clientAuth" "$sans"
  echo "made $out/$host/: server.crt, peer.crt ($sans)"
done

sign "$out/katabot" katabot /O=katabot clientAuth ""
echo "made $out/katabot/: katabot.crt (client certificate)"
