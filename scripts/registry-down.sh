#!/usr/bin/env bash
# Stops the registries registry-up.sh started (their stored images stay under the state folder).
set -uo pipefail
STATE=${POSTFIX_MATRIX_REGISTRY_STATE:-/var/lib/postfix-matrix/registries}
for f in "$STATE"/*/pid; do
  [ -f "$f" ] || continue
  kill "$(cat "$f")" 2>/dev/null && printf 'registry-down: stopped %s\n' "$(basename "$(dirname "$f")")" >&2
  rm -f "$f"
done
