"""The deadline sweep over a million open cases: every archived case of a generated database
reopened, then either all of their limits run out at once (the worst case) or, with --spread,
their limits spread around today as a day of hourly sweeps would find them.

    python -m bench.catchup SOURCE WORK [--spread] [--statements] [--keep]

SOURCE is a generated SQLite bench database (`var/bench/data-<key>.sqlite3`, kept by
`python -m bench.run --cases N --reuse --data-only`); it is only read. WORK is overwritten with
a copy of it in which every archived case is back in the state it was archived from (the
`from_state` of its archive event: visited, referred out, rejected or handed up, all at the
archiving stage), its archiving limit run out on the day it was closed, as if the archive runs
had been undone, and brought up to the current migrations, as a deployment would be.

With --spread the open cases' limits (every open case with one, reopened or not) are spread
evenly over the days around today, by id (SPREAD_DAYS): those that ran out before yesterday
are flagged by a sweep run as of yesterday (untimed, as the earlier sweeps would have left
them, with their events, incidents and reminders and yesterday's due-soon reminders), one
day's worth ran out yesterday and is newly overdue today, the rest is still running.

Then `deadlines_sweep()` runs twice, as bench/inproc.py `step_sweep` runs it,
with each run's wall and CPU seconds (the machine is shared; CPU seconds move less): the first
catches up (flags every case whose limit has run out and writes its event, incident, reminders
and their outbox rows), the second is an hourly run that finds nothing new. Prints one JSON
object; with --statements also the seconds the catch-up spent in each kind of statement and in
COMMIT. WORK is deleted afterwards unless --keep is given.

Production settings, with the bench's keys (var/bench/secrets.json, made as bench/run.py makes
them), pointed at WORK.
"""

import argparse
import contextlib
import json
import os
import sqlite3
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def copy_database(source: Path, work: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    # immutable: read without locks and without creating -wal/-shm files beside the source.
    with sqlite3.connect(f"file:{source}?immutable=1", uri=True) as src, sqlite3.connect(work) as dst:
        src.backup(dst)


def reopen_archived(cursor) -> int:
    """Every archived case back in the state it was archived from, its archiving limit run out."""
    from django.db import connection

    from jiefen.cases.models import Case, CaseEvent, CaseState, DeadlineStage

    case_t, event_t = (connection.ops.quote_name(model._meta.db_table) for model in (Case, CaseEvent))
    cursor.execute(
        f"""UPDATE {case_t} SET
                state = (SELECT e.from_state FROM {event_t} e
                         WHERE e.case_id = {case_t}.id AND e.action = %s ORDER BY e.id DESC LIMIT 1),
                due_stage = %s, due_date = date(closed_at), is_overdue = %s,
                closed_at = NULL, closed_within_limits = NULL, closed_inside_subdistrict = NULL
            WHERE state = %s AND closed_at IS NOT NULL""",
        ["archive", DeadlineStage.ARCHIVING, False, CaseState.ARCHIVED],
    )
    return cursor.rowcount


# With --spread, each open case's limit is today plus (id % len) + first days: 18 % ran out
# before yesterday, 2 % (a day's worth) yesterday, 80 % still running.
SPREAD_DAYS = range(-10, 40)


def spread_limits(cursor, today) -> dict:
    """Every open case with a limit: its limit spread around today by its id, none flagged."""
    from django.db import connection

    from jiefen.cases.models import Case, CaseState

    case_t = connection.ops.quote_name(Case._meta.db_table)
    cursor.execute(
        f"""UPDATE {case_t} SET due_date = date(%s, ((id % %s) + %s) || ' days'), is_overdue = %s
            WHERE state <> %s AND due_date IS NOT NULL""",
        [today.isoformat(), len(SPREAD_DAYS), SPREAD_DAYS.start, False, CaseState.ARCHIVED],
    )
    return {"spread": cursor.rowcount, "spread_days": [SPREAD_DAYS.start, SPREAD_DAYS.stop - 1]}


def bench_environment(work: Path) -> None:
    from bench.run import VAR, bench_secrets

    os.environ.update(bench_secrets())
    os.environ.update(
        {
            "DATABASE_URL": f"sqlite:///{work}",
            "DJANGO_SETTINGS_MODULE": "config.settings.production",
            "JIEFEN_VAR_DIR": str(VAR),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "DEBUG": "false",
            "LOG_LEVEL": "WARNING",
        }
    )


def statement_timer(totals: dict):
    """An execute wrapper adding each statement's seconds to totals[its first words]."""

    def wrapper(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            key = " ".join(sql.split()[:3])
            totals[key] += time.perf_counter() - started

    return wrapper


def sweep_twice(statements: bool) -> dict:
    """The catch-up, then an hourly run: wall and CPU seconds, and what the catch-up wrote."""
    from django.db import connection

    from jiefen.cases.deadlines import deadlines_sweep
    from jiefen.cases.models import Case, CaseState

    result = {"open_cases": Case.objects.exclude(state=CaseState.ARCHIVED).count()}
    totals = defaultdict(float)
    commit = connection._commit

    def timed_commit():
        at = time.perf_counter()
        try:
            return commit()
        finally:
            totals["COMMIT"] += time.perf_counter() - at

    for run in ("", "repeat_"):
        timing = statements and not run
        wall, cpu = time.perf_counter(), time.process_time()
        if timing:
            connection._commit = timed_commit
        try:
            with connection.execute_wrapper(statement_timer(totals)) if timing else contextlib.nullcontext():
                counts = deadlines_sweep()
        finally:
            connection._commit = commit
        result[f"{run}seconds"] = round(time.perf_counter() - wall, 3)
        result[f"{run}cpu_seconds"] = round(time.process_time() - cpu, 3)
        if not run:
            result["counts"] = counts
    if statements:
        result["statements"] = {key: round(value, 3) for key, value in sorted(totals.items(), key=lambda kv: -kv[1])}
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--spread", action="store_true", help="limits spread around today, earlier days already swept")
    parser.add_argument("--statements", action="store_true", help="seconds per kind of statement in the first run")
    parser.add_argument("--keep", action="store_true", help="keep WORK after the run")
    args = parser.parse_args(argv)
    source, work = args.source.resolve(), args.work.resolve()
    if source == work:
        parser.error("WORK must not be SOURCE: it is overwritten")
    wal = Path(f"{source}-wal")
    if wal.exists() and wal.stat().st_size:
        parser.error("SOURCE has a write-ahead log: copy a closed database (var/bench/data-<key>.sqlite3)")

    sys.path.insert(0, str(ROOT))
    started = time.perf_counter()
    copy_database(source, work)
    bench_environment(work)
    from bench.inproc import setup

    setup()
    from datetime import timedelta

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.utils import timezone

    call_command("migrate", "--noinput", verbosity=0)
    with transaction.atomic(), connection.cursor() as cursor:
        result = {"reopened": reopen_archived(cursor)}
    if args.spread:
        from jiefen.cases.deadlines import deadlines_sweep

        today = timezone.localdate()
        with transaction.atomic(), connection.cursor() as cursor:
            result.update(spread_limits(cursor, today))
        result["yesterday_counts"] = deadlines_sweep(today - timedelta(days=1))
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    result["prepare_seconds"] = round(time.perf_counter() - started, 1)
    result.update(sweep_twice(args.statements))
    connection.close()
    if not args.keep:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
