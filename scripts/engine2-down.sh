#!/usr/bin/env bash
# Stops the second engine engine2-up.sh started. Its data root stays, unless:
#   --purge   remove the data root too (what engine2-up.sh --fresh does first)
set -uo pipefail
NAME=${PMX_ENGINE:-pmx2}
PID=/var/run/docker-$NAME.pid
ROOT=${POSTFIX_MATRIX_ENGINE2_ROOT:-/var/lib/docker-$NAME}
if [ -f "$PID" ]; then
  kill "$(cat "$PID")" 2>/dev/null || true
  for _ in $(seq 1 30); do kill -0 "$(cat "$PID" 2>/dev/null)" 2>/dev/null || break; sleep 1; done
  rm -f "$PID"
  printf 'engine2-down: stopped dockerd %s\n' "$NAME" >&2
fi
if [ "${1:-}" = "--purge" ] && [ -e "$ROOT" ]; then
  # A daemon killed mid-build (a session ended, a machine stopped) leaves BuildKit's mounts
  # under its data root, and rm cannot remove a mounted folder.
  findmnt -rn -o TARGET | grep -F "$ROOT/" | sort -r | while read -r m; do umount -l "$m" || true; done
  rm -rf "$ROOT"
  printf 'engine2-down: removed %s\n' "$ROOT" >&2
fi
