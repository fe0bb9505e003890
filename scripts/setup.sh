#!/usr/bin/env bash
# Idempotent machine set-up for autostack's tests and demo (Debian 12, root):
# Docker engine, Compose v2 (Debian trixie's docker-compose), a running dockerd,
# and the local busybox test image (no registry is reachable from our hosts).
set -euo pipefail

IMAGE="${AUTOSTACK_TEST_IMAGE:-autostack-test/busybox:latest}"
STATE="/var/lib/autostack-setup"
log() { printf 'setup: %s\n' "$*" >&2; }

install_engine() {
  if command -v dockerd >/dev/null && [ -x /bin/busybox ] && file_is_static /bin/busybox; then
    return
  fi
  log "installing docker.io and busybox-static"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io busybox-static >/dev/null
}

file_is_static() {
  # busybox-static replaces /bin/busybox with a binary that needs no loader.
  ! grep -q 'ld-linux' "$1" 2>/dev/null
}

compose_v2() {
  docker compose version 2>/dev/null | grep -Eq 'v?2\.'
}

install_compose() {
  if compose_v2; then return; fi
  log "installing Compose v2 (docker-compose from trixie)"
  local mirror
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  mkdir -p "$STATE/lists/partial" "$STATE/debs"
  echo "deb $mirror trixie main" >"$STATE/trixie.list"
  local opts=(-oDir::Etc::SourceList="$STATE/trixie.list" -oDir::Etc::SourceParts=/dev/null
    -oDir::State::Lists="$STATE/lists" -oAPT::Get::List-Cleanup=0)
  apt-get "${opts[@]}" update -qq
  (cd "$STATE/debs" && rm -f docker-compose_*.deb && apt-get "${opts[@]}" download docker-compose)
  dpkg -i "$STATE"/debs/docker-compose_*.deb >/dev/null
  compose_v2 || { log "docker compose version does not print 2.x"; exit 1; }
}

start_daemon() {
  if docker info >/dev/null 2>&1; then return; fi
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "removing stale /var/run/docker.pid"
    rm -f /var/run/docker.pid
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd"
    setsid dockerd >/var/log/dockerd.log 2>&1 </dev/null &
  fi
  for _ in $(seq 1 60); do
    if docker info >/dev/null 2>&1; then return; fi
    sleep 0.5
  done
  log "dockerd did not answer within 30 s; see /var/log/dockerd.log"
  tail -n 20 /var/log/dockerd.log >&2 || true
  exit 1
}

build_image() {
  if docker image inspect "$IMAGE" >/dev/null 2>&1; then return; fi
  log "building $IMAGE"
  local ctx
  ctx="$(mktemp -d)"
  cp /bin/busybox "$ctx/busybox"
  cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
CMD ["/bin/sh"]
DOCKERFILE
  DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null
  rm -rf "$ctx"
}

install_engine
install_compose
start_daemon
build_image
log "ready: $(docker compose version --short 2>/dev/null || docker compose version), image $IMAGE"
