"""The measured effect of a second worker process on one shared queue.

The same batch of background tasks (a village's monthly figures, real statistics code) is
enqueued and drained by one `run_worker --batch`, then again by two at once. Throughput is
taken from the queue itself (first task started → last task finished), so interpreter
start-up is not counted. On PostgreSQL the workers claim tasks with SELECT … FOR UPDATE SKIP
LOCKED and never wait on each other; on SQLite they queue on the database's single writer lock.
"""

import json
import subprocess
import time


def drain(bench, workers: int, count: int, facts: dict, kind: str = "village_month") -> dict:
    import os

    from bench.run import PY, ROOT, VAR

    bench.inproc("clear_tasks")
    if kind == "remote_wait":
        bench.inproc("enqueue", "remote_wait", count, 100)
    else:
        bench.inproc("enqueue", "village_month", count, facts["month"], json.dumps(facts["village_ids"]))
    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    logs = [open(VAR / f"scaleout-worker-{n}.log", "wb") for n in range(workers)]
    processes = [
        subprocess.Popen([str(PY), "manage.py", "run_worker", "--queue-name", "*", "--batch", "--interval", "0.2",
                          "--no-startup-delay"], cwd=ROOT, env=bench.env, stdout=log, stderr=log)
        for log in logs
    ]
    for process in processes:
        process.wait(1800)
    for log in logs:
        log.close()
    wall = time.perf_counter() - started
    state = bench.inproc("tasks")
    done = state["by_status"].get("SUCCESSFUL", 0)
    seconds = state["seconds"] or wall
    return {"workers": workers, "tasks": done, "failed": state["by_status"].get("FAILED", 0), "seconds": round(seconds, 2),
            "tasks_per_s": round(done / seconds, 2) if seconds else None, "wall_seconds": round(wall, 1),
            "load_avg_before": round(load_before, 1)}


def scaleout(bench, facts: dict) -> dict:
    """Two kinds of task: statistics (CPU and database) and a task that mostly waits on a remote
    party (100 ms). The first shows what a second process gets out of the cores there are; the
    second what a second consumer of the shared queue adds when the CPU is not the limit."""
    from bench.run import log

    result = {"db": bench.results["db"]}
    for kind, count, key in (("village_month", 150 if bench.args.quick else 600, ""), ("remote_wait", 100, "_remote_wait")):
        one = drain(bench, 1, count, facts, kind)
        two = drain(bench, 2, count, facts, kind)
        log(f"scale-out ({kind}): 1 worker {one['tasks_per_s']} tasks/s, 2 workers {two['tasks_per_s']} tasks/s")
        result[f"one_worker{key}"] = one
        result[f"two_workers{key}"] = two
        result[f"speedup{key}"] = round(two["tasks_per_s"] / one["tasks_per_s"], 2) if one["tasks_per_s"] and two["tasks_per_s"] else None
    result["tasks"] = {"": "bench.tasks.bench_village_month", "_remote_wait": "bench.tasks.bench_remote_wait (100 ms)"}
    if bench.results["db"] != "postgresql":
        result["note"] = "measured on SQLite; the scale-out layout is PostgreSQL (set DATABASE_URL)"
    return result
