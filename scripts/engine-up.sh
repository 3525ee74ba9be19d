#!/usr/bin/env bash
# Brings up a Docker engine when none answers. Idempotent: does nothing when the API answers.
# Honours DOCKER_HOST: a remote or non-default engine is only checked, never installed.
set -euo pipefail

log() { printf 'engine-up: %s\n' "$*" >&2; }
answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if command -v docker >/dev/null 2>&1 && answers; then
  log "engine answers ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST}" != "unix:///var/run/docker.sock" ]; then
  log "DOCKER_HOST=${DOCKER_HOST} does not answer; not starting a local engine for a remote host"
  exit 1
fi

if [ "$(id -u)" -ne 0 ]; then
  log "no engine answers and starting one needs root (apt-get install docker.io; dockerd)"
  exit 1
fi

if ! command -v dockerd >/dev/null 2>&1; then
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker.io iptables ca-certificates >/dev/null
fi

# The default engine's own pid file: a second engine (engine2-up.sh) is also a dockerd process.
if ! { [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; }; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  # setsid: the daemon outlives this script and the CI step that ran it.
  setsid nohup dockerd >/var/log/dockerd.log 2>&1 < /dev/null &
fi

for _ in $(seq 1 60); do
  if answers; then
    log "engine answers ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
log "dockerd did not answer within 60 s; last lines of /var/log/dockerd.log:"
tail -n 20 /var/log/dockerd.log >&2 || true
exit 1
