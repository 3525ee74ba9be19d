#!/usr/bin/env bash
# Starts two real registries (Debian's docker-registry, distribution 2.8) on loopback for the
# push, cache and auth tests: 127.0.0.1:5000 open, 127.0.0.1:5001 with htpasswd auth
# (user pmx-test, password pmx-test-secret: test-only). Idempotent; registry-down.sh stops them.
set -euo pipefail

STATE=${POSTFIX_MATRIX_REGISTRY_STATE:-/var/lib/postfix-matrix/registries}
log() { printf 'registry-up: %s\n' "$*" >&2; }
answers() { curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$1/v2/"; }

if ! command -v docker-registry >/dev/null 2>&1 || ! command -v htpasswd >/dev/null 2>&1; then
  if [ "$(id -u)" -ne 0 ]; then log "docker-registry and htpasswd are missing, and installing them needs root"; exit 1; fi
  log "installing Debian's docker-registry and apache2-utils (htpasswd)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends docker-registry apache2-utils curl >/dev/null
fi
# The package may start its own registry on :5000 through an init script; ours are the ones we want.
if command -v service >/dev/null 2>&1; then service docker-registry stop >/dev/null 2>&1 || true; fi
pkill -f '^/usr/bin/docker-registry serve /etc/docker/registry/config.yml' 2>/dev/null || true

start() { # name port auth?
  local name=$1 port=$2 auth=$3 dir="$STATE/$1"
  if answers "$port"; then log "$name registry answers on 127.0.0.1:$port"; return; fi
  mkdir -p "$dir/data"
  {
    printf 'version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\n'
    printf 'storage:\n  filesystem:\n    rootdirectory: %s/data\n  delete:\n    enabled: true\n' "$dir"
    printf 'http:\n  addr: 127.0.0.1:%s\n' "$port"
    if [ "$auth" = yes ]; then
      htpasswd -Bbn pmx-test pmx-test-secret > "$dir/htpasswd"
      printf 'auth:\n  htpasswd:\n    realm: postfix-matrix-test\n    path: %s/htpasswd\n' "$dir"
    fi
  } > "$dir/config.yml"
  log "starting the $name registry on 127.0.0.1:$port (log: $dir/registry.log)"
  setsid nohup docker-registry serve "$dir/config.yml" > "$dir/registry.log" 2>&1 < /dev/null &
  echo $! > "$dir/pid"
  for _ in $(seq 1 30); do answers "$port" && return; sleep 0.5; done
  log "the $name registry did not answer; last lines of its log:"; tail -n 20 "$dir/registry.log" >&2; exit 1
}

start open "${POSTFIX_MATRIX_REGISTRY_PORT:-5000}" no
start auth "${POSTFIX_MATRIX_AUTH_REGISTRY_PORT:-5001}" yes
