#!/usr/bin/env bash
# Stops the podman service podman-up.sh started (podman and its images stay).
set -uo pipefail
PID=/run/podman-pmx.pid
[ -f "$PID" ] || exit 0
kill "$(cat "$PID")" 2>/dev/null || true
for _ in $(seq 1 15); do kill -0 "$(cat "$PID" 2>/dev/null)" 2>/dev/null || break; sleep 1; done
rm -f "$PID" /run/podman-pmx.sock
printf 'podman-down: stopped podman system service\n' >&2
