#!/usr/bin/env bash
# Run the web server with the background worker and the scheduler; Ctrl-C stops all three,
# and if one of them dies the others are stopped too rather than left running half a system.
set -uo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
pids=()
cleanup() {
  trap - EXIT INT TERM
  kill "${pids[@]}" 2>/dev/null
  wait 2>/dev/null
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# run_worker is db_worker plus a heartbeat, so tasks of a worker that died are retried.
$PY manage.py run_worker --queue-name '*' & pids+=($!)
$PY manage.py run_scheduler & pids+=($!)
echo "==> serving on http://127.0.0.1:8000 (worker and scheduler running; Ctrl-C to stop)"
$PY manage.py runserver 127.0.0.1:8000 --noreload & pids+=($!)
while sleep 1; do
  for pid in "${pids[@]}"; do
    if ! kill -0 "$pid" 2>/dev/null; then
      echo "!! a process stopped (pid $pid); stopping the others" >&2
      exit 1
    fi
  done
done
