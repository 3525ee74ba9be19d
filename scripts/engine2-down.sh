#!/usr/bin/env bash
# Stops the second engine engine2-up.sh started (its data root stays unless --fresh is used there).
set -uo pipefail
NAME=${PMX_ENGINE:-pmx2}
PID=/var/run/docker-$NAME.pid
[ -f "$PID" ] || exit 0
kill "$(cat "$PID")" 2>/dev/null || true
for _ in $(seq 1 30); do kill -0 "$(cat "$PID" 2>/dev/null)" 2>/dev/null || break; sleep 1; done
rm -f "$PID"
printf 'engine2-down: stopped dockerd %s\n' "$NAME" >&2
