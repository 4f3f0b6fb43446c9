#!/usr/bin/env bash
# The one command that runs every test: installs what is missing, builds, runs ctest
# (unit tests, fuzz-corpus replays, the fake API server's kubectl fidelity tests, and the
# end-to-end tests against moto, the fake API server, docker-registry and skopeo).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
cd "${BUILD_DIR:-build}"
ctest --output-on-failure -j "${JOBS:-2}" "$@"
