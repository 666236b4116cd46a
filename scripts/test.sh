#!/usr/bin/env bash
# The whole suite, in as many parallel shards as there are cores (at most TEST_SHARDS, default 2).
#
# Each shard is an ordinary pytest session over part of the test files, with its own test
# database (PostgreSQL: DATABASE_URL gets a _s<N> suffix) and its own media directory, so
# pytest-django still runs each shard's transactional tests after its other tests — which
# pytest-xdist's scheduling cannot promise. Files are dealt out largest first to the shard
# with the least so far. Arguments go to every shard; with test paths among them, or with
# TEST_SHARDS=1, it is one plain pytest run.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python

shards="${TEST_SHARDS:-2}"
cores="$(nproc 2>/dev/null || echo 1)"
[ "$cores" -lt "$shards" ] && shards="$cores"
for arg in "$@"; do
  case "$arg" in tests/*|*.py|*::*) shards=1 ;; esac
done
if [ "$shards" -le 1 ]; then
  exec "$PY" -m pytest "$@"
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/jiefen-test.XXXXXX")"
trap 'rm -rf "$work"' EXIT

# Deal the files out by size (a fair proxy for their running time).
mapfile -t files < <(ls -S tests/test_*.py)
declare -a load lists
for ((i = 0; i < shards; i++)); do load[i]=0; lists[i]=""; done
for file in "${files[@]}"; do
  size=$(stat -c %s "$file")
  best=0
  for ((i = 1; i < shards; i++)); do
    [ "${load[i]}" -lt "${load[best]}" ] && best=$i
  done
  load[best]=$((load[best] + size))
  lists[best]="${lists[best]} $file"
done

pids=()
for ((i = 0; i < shards; i++)); do
  (
    export MEDIA_ROOT="$work/media-$i"
    if [ -n "${DATABASE_URL:-}" ]; then
      export DATABASE_URL="${DATABASE_URL%/}_s$i"
    fi
    # shellcheck disable=SC2086 # the file list is meant to split into words
    exec "$PY" -m pytest "$@" ${lists[i]} >"$work/shard-$i.log" 2>&1
  ) &
  pids+=($!)
done

status=0
for ((i = 0; i < shards; i++)); do
  if ! wait "${pids[i]}"; then status=1; fi
done
for ((i = 0; i < shards; i++)); do
  echo "==> shard $((i + 1)) of $shards"
  cat "$work/shard-$i.log"
done
exit "$status"
