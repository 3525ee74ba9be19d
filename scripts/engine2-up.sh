#!/usr/bin/env bash
# A second Docker engine on this machine, standing in for a fresh CI runner or another host of
# an engine pool: its own socket, data root, exec root and bridge. Idempotent.
#   --fresh   stop it and empty its data root first (a machine that has never built anything)
# Prints the DOCKER_HOST to use: unix:///var/run/docker-pmx2.sock
# The benchmark starts more engines like it: PMX_ENGINE (name, default pmx2), PMX_ENGINE_NET
# (third octet of its 172.31.x.0/24 bridge, default 250) and PMX_ENGINE_CPUS (taskset list:
# the daemon, its builds and containers on those cores only).
set -euo pipefail

NAME=${PMX_ENGINE:-pmx2}
NET=172.31.${PMX_ENGINE_NET:-250}
SOCK=/var/run/docker-$NAME.sock
ROOT=${POSTFIX_MATRIX_ENGINE2_ROOT:-/var/lib/docker-$NAME}
EXEC=/var/run/docker-$NAME
BRIDGE=pmx-br${NAME#pmx}
PIN=()
[ -n "${PMX_ENGINE_CPUS:-}" ] && PIN=(taskset -c "$PMX_ENGINE_CPUS")
# The second engine also listens on tcp://127.0.0.1:2376 with TLS (client certificates in
# /var/lib/docker-pmx2-tls, for DOCKER_CERT_PATH): the tests reach it that way too.
TLS=()
if [ "$NAME" = pmx2 ]; then
  CERTS=/var/lib/docker-pmx2-tls
  bash "$(dirname "$0")/engine-tls-certs.sh" "$CERTS"
  TLS=(--host tcp://127.0.0.1:2376 --tlsverify --tlscacert "$CERTS/server/ca.pem" --tlscert "$CERTS/server/cert.pem" --tlskey "$CERTS/server/key.pem")
fi
log() { printf 'engine2-up: %s\n' "$*" >&2; }
answers() { timeout 10 docker -H "unix://$SOCK" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

[ "$(id -u)" -eq 0 ] || { log "starting a second dockerd needs root"; exit 1; }
command -v dockerd >/dev/null 2>&1 || bash "$(dirname "$0")/engine-up.sh"

if [ "${1:-}" = "--fresh" ]; then bash "$(dirname "$0")/engine2-down.sh" --purge; fi

if ! answers; then
  if ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add "$BRIDGE" type bridge
    ip addr add "$NET.1/24" dev "$BRIDGE"
  fi
  ip link set "$BRIDGE" up
  # Builds on it reach Debian's archive: NAT and forwarding for its bridge, added once
  # (the first engine's FORWARD policy drops what it does not know).
  iptables -t nat -C POSTROUTING -s "$NET.0/24" ! -o "$BRIDGE" -j MASQUERADE 2>/dev/null \
    || iptables -t nat -A POSTROUTING -s "$NET.0/24" ! -o "$BRIDGE" -j MASQUERADE
  iptables -C FORWARD -i "$BRIDGE" -j ACCEPT 2>/dev/null || iptables -I FORWARD -i "$BRIDGE" -j ACCEPT
  iptables -C FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT 2>/dev/null \
    || iptables -I FORWARD -o "$BRIDGE" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
  mkdir -p "$ROOT" "$EXEC"
  log "starting dockerd $NAME (data root $ROOT, log /var/log/dockerd-$NAME.log${PIN:+, cores ${PMX_ENGINE_CPUS:-}})"
  # No iptables of its own: the first engine manages the host's rules; containers are reached
  # on loopback through the userland proxy.
  setsid nohup "${PIN[@]}" dockerd --host "unix://$SOCK" "${TLS[@]}" --data-root "$ROOT" --exec-root "$EXEC" \
    --pidfile "/var/run/docker-$NAME.pid" --bridge "$BRIDGE" --iptables=false --ip-masq=false \
    > "/var/log/dockerd-$NAME.log" 2>&1 < /dev/null &
  for _ in $(seq 1 60); do answers && break; sleep 1; done
  answers || { log "dockerd $NAME did not answer; last lines:"; tail -n 20 "/var/log/dockerd-$NAME.log" >&2; exit 1; }
fi
log "engine $NAME answers ($(docker -H "unix://$SOCK" version --format '{{.Server.Version}}'))"
echo "unix://$SOCK"
