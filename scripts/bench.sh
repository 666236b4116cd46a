#!/usr/bin/env bash
# The benchmark (bench/README.md): set up what it needs, then run bench/run.py.
# Usage: QUICK=1 | CASES=N, REUSE=1, SCALEOUT=1, PEER=0, BENCH_SECONDS=N, DATABASE_URL=postgres://…  scripts/bench.sh
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh run

# The load comes from hey (Debian's package), a separate process from the server it loads.
if ! command -v hey >/dev/null; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
    echo "==> installing Debian packages: hey"
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends hey >/dev/null
  else
    echo "!! missing Debian package: hey"
    echo "!! install it with: sudo apt-get install -y --no-install-recommends hey"
    exit 1
  fi
fi

args=()
# The peer (django-helpdesk) lives in its own virtualenv, from its own pinned list.
if [ "${PEER:-1}" != "0" ]; then
  venv=var/bench/peer-venv
  mkdir -p var/bench
  [ -x "$venv/bin/python" ] || "${PYTHON:-python3}" -m venv "$venv"
  want=$(sha256sum bench/peer/requirements.txt | cut -d' ' -f1)
  if [ "$(cat "$venv/.requirements.sha" 2>/dev/null)" != "$want" ]; then
    echo "==> installing the peer (django-helpdesk) into $venv"
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r bench/peer/requirements.txt
    echo "$want" > "$venv/.requirements.sha"
  fi
else
  args+=(--no-peer)
fi

[ -n "${QUICK:-}" ] && [ "${QUICK}" != "0" ] && args+=(--quick)
[ -n "${CASES:-}" ] && args+=(--cases "$CASES")
[ -n "${SCALEOUT:-}" ] && [ "${SCALEOUT}" != "0" ] && args+=(--scaleout)
[ -n "${REUSE:-}" ] && [ "${REUSE}" != "0" ] && args+=(--reuse)
[ -n "${BENCH_SECONDS:-}" ] && args+=(--seconds "$BENCH_SECONDS")
exec .venv/bin/python -m bench.run "${args[@]}"
