#!/usr/bin/env bash
# Installs every Debian package pullkeeper needs to build, test and run its sandbox.
# Idempotent: packages already present are not downloaded again.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build g++ pkg-config
  libcurl4-openssl-dev libssl-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libspdlog-dev libfmt-dev libgtest-dev libgmock-dev libbenchmark-dev
  # doctor reads large snapshots with it
  libsimdjson-dev
  # doctor --aws: the EC2 and ELBv2 answers are XML
  libxml2-dev
  # real parts the tests drive: registry, its client, htpasswd, promtool, openssl for test CAs
  docker-registry skopeo apache2-utils prometheus openssl jq curl ca-certificates time
)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" \
    || missing+=("$package")
done

if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}"
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    "${missing[@]}" >/dev/null
fi

# Not Debian packages, but on every machine of this kind: the AWS emulator and CLI (Python)
# and kubectl. Say clearly what is missing instead of failing later in a test.
for tool in python3 moto_server aws kubectl; do
  command -v "$tool" >/dev/null || echo "install-deps: warning: $tool not found; tests that need it will skip" >&2
done
echo "install-deps: ok"
