#!/usr/bin/env bash
# Installs, as root on Debian 12, the packages katabot needs.
#   bash deploy/install-deps.sh          build dependencies only: enough to build and run the bot
#   bash deploy/install-deps.sh --test   also what the tests need (IRC servers, parsers, clients): .ci/run
# Idempotent: packages already present are left alone, and apt is only asked when one is missing.
# The README's dependency table says why each package is there.
set -euo pipefail
usage="usage: $0 [--test]"
with_tests=false
case "${1-}" in
  "") ;;
  --test) with_tests=true ;;
  *) echo "$usage" >&2; exit 2 ;;
esac
# apt needs root: a normal user is asked for their sudo password once.
if [ "$(id -u)" -ne 0 ]; then exec sudo bash "$0" "$@"; fi

build_packages=(
  g++ cmake ninja-build ccache pkg-config git
  libboost1.81-dev            # Asio + Beast (networking, coroutines, HTTP, WebSocket)
  libssl-dev                  # TLS for IRC and Slack
  nlohmann-json3-dev          # Slack JSON
  libyaml-cpp-dev             # config, topics, meetings
  libspdlog-dev               # logging
  libhowardhinnant-date-dev   # IANA time zones (g++ 12 has no std::chrono::tzdb)
  tzdata
  libstemmer-dev              # Snowball stemmer for free-text questions
  catch2                      # unit tests (header only; configuring the project looks for it)
)
test_packages=(
  ircd-hybrid inspircd        # real IRC servers for integration tests
  openssl                     # test CA and certificates
  python3 python3-icalendar   # independent .ics parser
  curl                        # real HTTP client against /healthz
  prometheus                  # promtool checks the /metrics exposition
  python3-prometheus-client   # a second, independent parser of /metrics
  clang-14                    # libFuzzer targets (tests/fuzz; libclang-rt-14-dev comes with it)
  etcd-server etcd-client     # a real 3-member etcd cluster for the coordination tests (tests/integration/etcd)
  libbenchmark-dev            # Google Benchmark for tests/bench/micro_bench
  python3-yaml                # parses the deploy/ha Kubernetes manifests (tests/integration/deploy)
  systemd                     # systemd-analyze verifies the deploy/ha units
)
wanted=("${build_packages[@]}")
if $with_tests; then wanted+=("${test_packages[@]}"); fi

missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts the IRC servers (prometheus, etcd) as system services on install; the tests start their own.
if $with_tests; then
  for service in ircd-hybrid inspircd prometheus etcd; do
    if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
      systemctl stop "$service" || true
    fi
  done
fi
