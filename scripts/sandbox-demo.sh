#!/usr/bin/env bash
# A guided tour of pullkeeper on loopback: replays the expired-ECR-token outage with moto,
# a fake Kubernetes API server and a real docker-registry on 127.0.0.1, then fixes it with
# `pullkeeper sync`. Run after scripts/install-deps.sh and scripts/build.sh.
#
# Exit codes: 0 the tour went as told; 1 a step misbehaved (logs are kept and printed);
# 77 the binary or a tool is missing. Every server it starts is stopped before it exits.
set -euo pipefail
cd "$(dirname "$0")/.."

export PULLKEEPER_BIN=${PULLKEEPER_BIN:-$PWD/${BUILD_DIR:-build}/src/cli/pullkeeper}
if [[ ! -x $PULLKEEPER_BIN ]]; then
  echo "sandbox-demo: pullkeeper binary not found at $PULLKEEPER_BIN;" \
       "run scripts/build.sh first or set PULLKEEPER_BIN" >&2
  exit 77
fi

# Belt and braces: the Python side already builds each child's environment from scratch,
# but nothing this script runs may reach a real AWS endpoint, instance metadata or a proxy.
unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_PROFILE KUBECONFIG \
      HTTP_PROXY HTTPS_PROXY ALL_PROXY http_proxy https_proxy all_proxy
export AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost
export PYTHONDONTWRITEBYTECODE=1

# exec: the Python process receives the signals itself and stops what it started
# (try/finally, a SIGTERM handler and atexit), so no shell trap is needed here.
exec python3 tests/integration/sandbox_demo.py "$@"
