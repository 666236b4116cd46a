#!/usr/bin/env bash
# Run the web server with the background worker and the scheduler; Ctrl-C stops all three.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM
$PY manage.py db_worker --queue-name '*' --no-reload & pids+=($!)
$PY manage.py run_scheduler & pids+=($!)
echo "==> serving on http://127.0.0.1:8000 (worker and scheduler running; Ctrl-C to stop)"
$PY manage.py runserver 127.0.0.1:8000 --noreload & pids+=($!)
wait -n "${pids[@]}"
