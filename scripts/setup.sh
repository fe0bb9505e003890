#!/usr/bin/env bash
# Idempotent machine set-up for autostack's tests and demo (Debian 12, root):
# the Docker 26 engine and Compose v2 from Debian trixie (through a separate
# apt source list, so the host's own sources stay bookworm), busybox-static,
# age (the secrets tests make age files with it), Debian's docker-registry
# (started by the image-update tests on loopback), systemd (for
# `systemd-analyze verify` of packaging/systemd) and chromium (the status
# page's browser test), each only when missing, a running dockerd, and the
# local busybox test image (no registry is reachable from our hosts). An
# engine that does not come from Debian's docker.io (docker-ce, a static
# install) is never replaced: it is used as is.
set -euo pipefail

IMAGE="${AUTOSTACK_TEST_IMAGE:-autostack-test/busybox:latest}"
STATE="/var/lib/autostack-setup"
ENGINE_MAJOR=26
log() { printf 'setup: %s\n' "$*" >&2; }

installed() {
  dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed'
}

# The test image copies /bin/busybox into a FROM scratch image: it must be the
# static build, which needs no loader.
install_busybox() {
  if installed busybox-static; then return; fi
  log "installing busybox-static"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq busybox-static >/dev/null
}

# Installs Debian package $1 unless command $2 is already there.
install_tool() {
  if command -v "$2" >/dev/null; then return; fi
  log "installing $1 (for $2)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=300 "$1" >/dev/null
}

# apt options that read only the trixie list in $STATE and keep its package
# lists apart from the host's.
trixie_opts() {
  printf '%s\n' -oDir::Etc::SourceList="$STATE/trixie.list" -oDir::Etc::SourceParts=/dev/null \
    -oDir::State::Lists="$STATE/lists" -oAPT::Get::List-Cleanup=0 -oAPT::Sandbox::User=root
}

trixie_ready=""
trixie_update() {
  if [ -n "$trixie_ready" ]; then return; fi
  local mirror
  mirror="$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)"
  mirror="${mirror:-http://deb.debian.org/debian}"
  mkdir -p "$STATE/lists/partial" "$STATE/debs"
  echo "deb $mirror trixie main" >"$STATE/trixie.list"
  local opts
  mapfile -t opts < <(trixie_opts)
  apt-get "${opts[@]}" update -qq
  trixie_ready=1
}

# Downloads trixie's .deb of package $1 into $STATE/debs and prints its path.
trixie_download() {
  trixie_update
  local opts
  mapfile -t opts < <(trixie_opts)
  (cd "$STATE/debs" && rm -f "$1"_*.deb && apt-get "${opts[@]}" download "$1" >/dev/null)
  ls "$STATE/debs/$1"_*.deb
}

# Installs a downloaded .deb; its dependencies (containerd, runc, tini, iptables
# for docker.io) come from the host's bookworm sources.
install_deb() {
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null
}

# Where the engine comes from: none, debian-old (docker.io < 26), debian (ok), other.
engine_source() {
  local version
  version="$(dpkg-query -W -f='${Status} ${Version}' docker.io 2>/dev/null || true)"
  if [[ "$version" == "install ok installed "* ]]; then
    version="${version##* }"
    version="${version#*:}"
    if [ "${version%%.*}" -lt "$ENGINE_MAJOR" ] 2>/dev/null; then echo debian-old; else echo debian; fi
  elif command -v dockerd >/dev/null; then
    echo other
  else
    echo none
  fi
}

stop_daemon() {
  local pid
  pid="$(pgrep -x dockerd || true)"
  if [ -z "$pid" ]; then return; fi
  log "stopping dockerd (pid $pid) to upgrade it"
  kill "$pid"
  for _ in $(seq 1 60); do
    if ! kill -0 "$pid" 2>/dev/null; then return; fi
    sleep 0.5
  done
  kill -9 "$pid" 2>/dev/null || true
}

install_engine() {
  case "$(engine_source)" in
    debian) ;;
    other) log "using the engine already installed ($(command -v dockerd)); it does not come from Debian's docker.io, so it is left as it is" ;;
    none | debian-old)
      log "installing Docker engine $ENGINE_MAJOR (docker.io from trixie)"
      local deb
      deb="$(trixie_download docker.io)"
      stop_daemon
      install_deb "$deb"
      ;;
  esac
  # trixie's docker.io has no CLI of its own (docker-cli is a separate package);
  # a host that already has a docker client keeps it.
  if ! command -v docker >/dev/null; then
    log "installing the docker client (docker-cli from trixie)"
    install_deb "$(trixie_download docker-cli)"
  fi
}

compose_v2() {
  docker compose version 2>/dev/null | grep -Eq 'v?2\.'
}

install_compose() {
  if compose_v2; then return; fi
  log "installing Compose v2 (docker-compose from trixie)"
  dpkg -i "$(trixie_download docker-compose)" >/dev/null
  compose_v2 || { log "docker compose version does not print 2.x"; exit 1; }
}

# Starts dockerd unless it answers. A daemon that died (kill -9, a crash) leaves
# its pid file behind, and a new dockerd refuses to start until it is gone.
start_daemon() {
  if docker info >/dev/null 2>&1; then return; fi
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    log "dockerd died (its pid file is left): removing the stale /var/run/docker.pid, starting it again"
    rm -f /var/run/docker.pid
  fi
  if ! pgrep -x dockerd >/dev/null; then
    log "starting dockerd"
    setsid dockerd >>/var/log/dockerd.log 2>&1 </dev/null &
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
  DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>&1
  rm -rf "$ctx"
}

install_busybox
# The secrets tests make age files with age and age-keygen (docs/secrets.md);
# the image-update tests run their own docker-registry on a loopback port
# (tests/e2e/_registry.ts), never the packaged service.
install_tool age age
install_tool docker-registry docker-registry
install_tool systemd systemd-analyze
install_tool chromium chromium
install_engine
install_compose
start_daemon
build_image
log "ready: engine $(docker version --format '{{.Server.Version}}'), compose $(docker compose version --short), image $IMAGE"
