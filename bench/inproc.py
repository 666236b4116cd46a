"""Benchmark steps that run inside Django against the bench database, one per invocation:

    python -m bench.inproc STEP [ARGS]      (prints one JSON object)

The orchestrator (bench/run.py) calls these as subprocesses with the bench environment, so
what it times here is the function itself, not process start-up.
"""

import json
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")
    import django

    django.setup()


def last_complete_month(today: date) -> str:
    first = today.replace(day=1) - timedelta(days=1)
    return f"{first:%Y-%m}"


def step_generate(count):
    from bench.generate import generate

    return generate(int(count), log=lambda text: print(text, file=sys.stderr, flush=True))


def step_facts(depth):
    """Ids and places the load needs: a rich case for `detail`, the keyset cursor `depth` rows
    into the filtered list, and a village, grid and type for `intake`."""
    from django.db.models import Count
    from django.utils import timezone

    from jiefen.cases.models import Case, CaseState, DisputeType
    from jiefen.organisation.models import Area, AreaKind

    depth = int(depth)
    tier_one = Case.objects.filter(tier=1)
    matched = tier_one.count()
    rows_in = max(0, min(depth, matched - 26))
    after = tier_one.order_by("-id").values_list("id", flat=True)[rows_in : rows_in + 1].first() if matched else None
    detail = (
        Case.objects.filter(state=CaseState.PERFORMING).annotate(n=Count("events")).order_by("-n", "-id").values_list("id", flat=True).first()
        or Case.objects.order_by("-id").values_list("id", flat=True).first()
    )
    grid = Area.objects.filter(kind=AreaKind.GRID, village__isnull=False).order_by("id").first()
    states = dict(Case.objects.values_list("state").annotate(n=Count("id")))
    return {
        "cases": Case.objects.count(),
        "open_cases": Case.objects.exclude(state=CaseState.ARCHIVED).count(),
        "states": states,
        "list_filter": "tier=1",
        "list_matched": matched,
        "list_deep_rows_in": rows_in,
        "list_deep_after": after,
        "detail_id": detail,
        "village_id": grid.village_id,
        "grid_id": grid.id,
        "dispute_type_id": DisputeType.objects.filter(is_active=True).order_by("sort_order", "id").values_list("id", flat=True).first(),
        "month": last_complete_month(timezone.localdate()),
        "village_ids": list(Area.objects.filter(kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY]).values_list("id", flat=True)),
    }


def step_sweep():
    """The deadline sweep over every open case: the first run catches up, the second finds nothing new."""
    from jiefen.cases.deadlines import deadlines_sweep
    from jiefen.cases.models import Case, CaseState

    open_cases = Case.objects.exclude(state=CaseState.ARCHIVED).count()
    started = time.perf_counter()
    first = deadlines_sweep()
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    deadlines_sweep()
    repeat = time.perf_counter() - started
    return {"seconds": round(seconds, 3), "repeat_seconds": round(repeat, 3), "open_cases": open_cases, "counts": first}


def step_monthly_report(out_dir):
    """`manage.py report monthly` for the last complete month, PDF, archived as the command does."""
    from django.core.management import call_command
    from django.utils import timezone

    month = last_complete_month(timezone.localdate())
    started = time.perf_counter()
    call_command("report", "monthly", period=month, fmt="pdf", out=out_dir, stdout=open(os.devnull, "w"))
    return {"seconds": round(time.perf_counter() - started, 3), "period": month}


def step_enqueue(kind, count, *extra):
    from bench import tasks

    count = int(count)
    ids = []
    if kind == "report":
        for _ in range(count):
            ids.append(str(tasks.bench_report_draft.enqueue("monthly", extra[0], "pdf").id))
    elif kind == "remote_wait":
        for _ in range(count):
            ids.append(str(tasks.bench_remote_wait.enqueue(int(extra[0])).id))
    else:
        villages = json.loads(extra[1])
        for index in range(count):
            ids.append(str(tasks.bench_village_month.enqueue(villages[index % len(villages)], extra[0]).id))
    return {"enqueued": len(ids)}


def step_tasks():
    from django.db.models import Count, Max, Min
    from django_tasks_db.models import DBTaskResult

    bench = DBTaskResult.objects.filter(task_path__startswith="bench.")
    by_status = dict(bench.values_list("status").annotate(n=Count("id")))
    span = bench.filter(finished_at__isnull=False).aggregate(first=Min("started_at"), last=Max("finished_at"))
    seconds = (span["last"] - span["first"]).total_seconds() if span["first"] and span["last"] else None
    return {"by_status": by_status, "seconds": seconds}


def step_api_token(username):
    from django.contrib.auth import get_user_model

    from jiefen.api.services import api_token_create

    _token, key = api_token_create(user=get_user_model().objects.get(username=username), name="benchmark")
    return {"key": key}


def step_clear_tasks():
    from django_tasks_db.models import DBTaskResult

    deleted, _ = DBTaskResult.objects.filter(task_path__startswith="bench.").delete()
    return {"deleted": deleted}


def step_warm_statistics():
    """What the scheduler's statistics_warm duty does every few minutes in production: compute
    each subdistrict's default dashboard snapshot, so the leader's first visit finds it."""
    from jiefen.reports.snapshots import statistics_snapshots_warm

    started = time.perf_counter()
    warmed = statistics_snapshots_warm()
    return {"seconds": round(time.perf_counter() - started, 3), "snapshots": len(warmed)}


STEPS = {name[5:]: fn for name, fn in globals().items() if name.startswith("step_")}

if __name__ == "__main__":
    setup()
    name, *args = sys.argv[1:]
    print(json.dumps(STEPS[name](*args), default=str))
