#!/usr/bin/env bash
# Podman's Docker-compatible API for the tests: Debian's podman (4.3) and `podman system
# service` on its own socket, at info level (debug level slows every container exit by 20 s
# on a machine without syslog). Idempotent. Prints the DOCKER_HOST to use.
set -euo pipefail

SOCK=/run/podman-pmx.sock
log() { printf 'podman-up: %s\n' "$*" >&2; }
answers() { curl -fsS --max-time 5 --unix-socket "$SOCK" http://d/_ping >/dev/null 2>&1; }

[ "$(id -u)" -eq 0 ] || { log "starting podman's service needs root"; exit 1; }
if ! command -v podman >/dev/null 2>&1; then
  log "installing Debian's podman"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends podman curl >/dev/null
fi
if ! answers; then
  rm -f "$SOCK"
  setsid nohup podman system service --time=0 "unix://$SOCK" > /var/log/podman-pmx.log 2>&1 < /dev/null &
  echo $! > /run/podman-pmx.pid
  for _ in $(seq 1 30); do answers && break; sleep 1; done
  answers || { log "podman's service did not answer; last lines:"; tail -n 20 /var/log/podman-pmx.log >&2; exit 1; }
fi
log "podman answers ($(podman --version))"
echo "unix://$SOCK"
