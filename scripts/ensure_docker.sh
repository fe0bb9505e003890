#!/usr/bin/env bash
# Runs the set-up script only when Docker, Compose v2, the test image or a test tool is missing,
# so `deno task test` and `deno task demo` work on a fresh machine and stay fast after.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
image="${AUTOSTACK_TEST_IMAGE:-autostack-test/busybox:latest}"
if [ "${AUTOSTACK_SKIP_DOCKER:-}" = "1" ]; then exit 0; fi
if docker info >/dev/null 2>&1 &&
  docker compose version 2>/dev/null | grep -Eq 'v?2\.' &&
  docker image inspect "$image" >/dev/null 2>&1 &&
  # The tools the secrets, image-update, packaging and status-page tests run
  # (one `command -v` each: given several names it succeeds when any is found).
  command -v age >/dev/null && command -v docker-registry >/dev/null &&
  command -v systemd-analyze >/dev/null && command -v chromium >/dev/null; then
  exit 0
fi
if [ "$(id -u)" != "0" ]; then
  echo "autostack: Docker with Compose v2 (or a test tool) is not ready and set-up needs root: run 'sudo bash scripts/setup.sh'" >&2
  exit 1
fi
exec bash "$here/setup.sh"
