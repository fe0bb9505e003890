#!/usr/bin/env bash
# Idempotent set-up of the downtime benchmark (Debian 12, root): Docker and the
# busybox test image (scripts/ensure_docker.sh), Debian's caddy, and a scratch
# image holding that caddy with its loader and the libraries ldd lists (Debian
# builds it dynamically linked). No registry is needed.
set -euo pipefail

IMAGE="${AUTOSTACK_BENCH_CADDY:-autostack-bench/caddy:latest}"
log() { printf 'setup_bench: %s\n' "$*" >&2; }

bash "$(dirname "$0")/ensure_docker.sh"

if ! command -v caddy >/dev/null; then
  log "installing caddy"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive NEEDRESTART_SUSPEND=1 \
    apt-get install -y -qq --no-install-recommends caddy >/dev/null
  # The package starts a caddy service on port 80; the benchmark needs none.
  systemctl disable --now caddy >/dev/null 2>&1 || true
fi

if docker image inspect "$IMAGE" >/dev/null 2>&1; then exit 0; fi
log "building $IMAGE"
ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
copy() { mkdir -p "$ctx/root$(dirname "$1")" && cp -L "$1" "$ctx/root$1"; }
copy "$(command -v caddy)"
copy /lib64/ld-linux-x86-64.so.2
for lib in $(ldd "$(command -v caddy)" | grep -o '/[^ ]*' | sort -u); do copy "$lib"; done
cat >"$ctx/Dockerfile" <<'DOCKERFILE'
FROM scratch
COPY root/ /
ENV HOME=/caddy XDG_CONFIG_HOME=/caddy/config XDG_DATA_HOME=/caddy/data
ENTRYPOINT ["/usr/bin/caddy"]
CMD ["run", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]
DOCKERFILE
if ! DOCKER_BUILDKIT=0 docker build -q -t "$IMAGE" "$ctx" >/dev/null 2>"$ctx/build.log"; then
  cat "$ctx/build.log" >&2
  exit 1
fi
log "built $IMAGE"
