#!/usr/bin/env bash
# Installs, as root on Debian 12, exactly the packages katabot needs to build and test.
# Idempotent: packages already present are left alone, and apt is only asked when one is missing.
set -euo pipefail
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
  catch2                      # unit tests
)
test_packages=(
  ircd-hybrid inspircd        # real IRC servers for integration tests
  openssl                     # test CA and certificates
  python3 python3-icalendar   # independent .ics parser
  curl                        # real HTTP client against /healthz
)

missing=()
for package in "${build_packages[@]}" "${test_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
# Debian starts the IRC servers as system services on install; the tests start their own.
for service in ircd-hybrid inspircd; do
  if command -v systemctl >/dev/null && systemctl is-active --quiet "$service" 2>/dev/null; then
    systemctl stop "$service" || true
  fi
done
