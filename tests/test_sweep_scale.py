"""The deadline sweep at scale: the hourly run over open cases costs the same few queries however
many there are, and a catch-up goes in chunks, each its own transaction, so one interrupted
half-way leaves every case either fully swept or untouched and the next run finishes the job."""

import copy
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases import deadlines
from jiefen.cases.deadlines import STAGE_BY_STATE, deadlines_sweep
from jiefen.cases.models import Case, CaseEvent, CaseState, DeadlineStage, EventKind
from jiefen.notifications.models import (
    Notification,
    NotificationKind,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)
from jiefen.organisation.models import Role, RoleAssignment

from .casework import register
from .conftest import _user

pytestmark = pytest.mark.django_db

TUE, THU = date(2026, 3, 10), date(2026, 3, 12)
LATER = date(2026, 4, 14)
SITE = "https://jiefen.example.cn"


@pytest.fixture
def room_mediator(org):
    return _user("roommed", "东村调解室调解员", (Role.MEDIATOR, org.village_room, None))


@pytest.fixture
def on_day(org, dispute_type, grid_worker):
    def make(on, n=1):
        return [register(org, dispute_type, grid_worker, on=on, title=f"纠纷{index}") for index in range(n)]

    return make


def swept(case_ids):
    """Per case: (flagged, OVERDUE events, missed-limit incidents, overdue reminders)."""
    return {
        case.pk: (
            case.is_overdue,
            CaseEvent.objects.filter(case=case, kind=EventKind.OVERDUE).count(),
            Incident.objects.filter(case=case, kind=IncidentKind.MISSED_LIMIT).count(),
            Notification.objects.filter(case=case, kind=NotificationKind.OVERDUE).count(),
        )
        for case in Case.objects.filter(pk__in=case_ids).order_by("pk")
    }


def test_the_hourly_sweep_over_open_cases_not_yet_due_costs_the_same_queries_for_5_and_50(on_day, village_mediator, room_mediator):
    on_day(LATER, 5)
    with CaptureQueriesContext(connection) as few:
        assert deadlines_sweep(today=THU)["newly_overdue"] == 0
    on_day(LATER, 45)
    with CaptureQueriesContext(connection) as many:
        result = deadlines_sweep(today=THU)
    assert result == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}
    assert len(many.captured_queries) == len(few.captured_queries) <= 7


def test_a_catch_up_goes_in_chunks_and_writes_what_one_run_would(on_day, village_mediator, room_mediator, monkeypatch):
    monkeypatch.setattr(deadlines, "SWEEP_CHUNK", 2)
    late = [case.pk for case in on_day(TUE, 5)]
    with CaptureQueriesContext(connection) as queries:
        result = deadlines_sweep(today=THU)
    assert result == {"newly_overdue": 5, "incidents": 5, "notified_overdue": 10, "notified_due_soon": 0}
    assert swept(late) == {pk: (True, 1, 1, 2) for pk in late}
    # Three transactions (2 + 2 + 1 cases), each with its deliveries.
    assert sum(q["sql"].startswith(("SAVEPOINT", "BEGIN")) for q in queries.captured_queries) == 3
    assert deadlines_sweep(today=THU) == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}


def test_an_interrupted_catch_up_leaves_whole_chunks_and_a_rerun_completes_it(on_day, village_mediator, room_mediator, monkeypatch):
    monkeypatch.setattr(deadlines, "SWEEP_CHUNK", 2)
    late = [case.pk for case in on_day(TUE, 5)]
    chunk = deadlines._sweep_chunk
    calls = []

    def failing_second_chunk(*args, **kwargs):
        calls.append(chunk(*args, **kwargs))
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return calls[-1]

    monkeypatch.setattr(deadlines, "_sweep_chunk", failing_second_chunk)
    with pytest.raises(RuntimeError):
        deadlines_sweep(today=THU)
    state = swept(late)
    # The first chunk is committed whole, the second rolled back whole.
    assert sorted(state.values()) == [(False, 0, 0, 0)] * 3 + [(True, 1, 1, 2)] * 2

    monkeypatch.setattr(deadlines, "_sweep_chunk", chunk)
    result = deadlines_sweep(today=THU)
    assert result["newly_overdue"] == 3 and result["incidents"] == 3
    assert swept(late) == {pk: (True, 1, 1, 2) for pk in late}


def clone_cases(template, count, vary):
    """`count` copies of a registered case written in bulk, each changed by vary(index, case)."""
    cases = []
    for index in range(count):
        case = copy.copy(template)
        case.pk = case.id = None
        case.number = f"{template.number}-{index}"
        vary(index, case)
        cases.append(case)
    Case.objects.bulk_create(cases, batch_size=500)
    return list(Case.objects.exclude(pk=template.pk).order_by("pk"))


def test_a_catch_up_over_thousands_of_cases_writes_exactly_what_the_rules_say(
    org, dispute_type, grid_worker, village_mediator, room_mediator, other_village_mediator, monkeypatch, settings
):
    """A few thousand limits run out at once (after an outage, or a holiday calendar moved them
    back): the catch-up, in chunks, writes case for case what the sweep's rules say, built here
    row by row from the cases, the roles and the endpoints, every column of every row, and a
    second run adds nothing."""
    monkeypatch.setattr(deadlines, "SWEEP_FIRST", 40)
    monkeypatch.setattr(deadlines, "SWEEP_CHUNK", 700)
    settings.SITE_URL = SITE
    gone = _user("gone", "已停用调解员", (Role.MEDIATOR, org.village_room, None))
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    village_mediator.email = "vmed@example.invalid"
    village_mediator.save(update_fields=["email"])
    group = WebhookEndpoint.objects.create(name="街道群", url="http://127.0.0.1:9/all", subdistrict=org.subdistrict)
    soon_only = WebhookEndpoint.objects.create(
        name="只收即将到期", url="http://127.0.0.1:9/soon", subdistrict=org.subdistrict, kinds=[NotificationKind.DUE_SOON]
    )
    WebhookEndpoint.objects.create(name="停用", url="http://127.0.0.1:9/off", subdistrict=org.subdistrict, is_active=False)
    units = [org.village_room, org.village_committee, org.other_village_room, org.subdistrict_committee]
    states = [state for state in STAGE_BY_STATE] + [CaseState.ARCHIVED]
    soon = date(2026, 3, 13)  # one working day after THU

    def vary(index, case):
        case.state = states[index % len(states)]
        case.due_stage = STAGE_BY_STATE.get(case.state, "")
        case.assigned_unit = units[index % len(units)]
        case.mediator = village_mediator if index % 3 == 0 else None
        if index % 17 == 0:
            case.due_date = None
        elif index % 11 == 0:
            case.due_date = THU + timedelta(days=index % 2)  # due today or tomorrow: due soon
        elif index % 7 == 0:
            case.due_date = LATER
        else:
            case.due_date = THU - timedelta(days=1 + index % 40)
        # Flagged earlier (by a sweep or a service): filled in, not flagged again.
        case.is_overdue = index % 13 == 0 and case.due_date is not None and case.due_date < THU

    template = register(org, dispute_type, grid_worker, on=TUE)
    cases = clone_cases(template, 3000, vary)
    Case.objects.filter(pk=template.pk).update(due_date=LATER)
    by_pk = {case.pk: case for case in cases}
    open_cases = [case for case in cases if case.state != CaseState.ARCHIVED and case.due_date is not None]
    late = [case for case in open_cases if case.due_date < THU]
    newly = [case for case in late if not case.is_overdue]
    # Some limits already have their incident or reminder on file: they are not written twice.
    noted = newly[::19]
    for case in noted:
        Incident.objects.create(
            kind=IncidentKind.MISSED_LIMIT, case=case, unit=case.assigned_unit, stage=case.due_stage, due_date=case.due_date,
            detected_on=TUE, assessment_year=2026,
        )
    reminded = [case for case in newly if case.mediator_id][::23]
    for case in reminded:
        Notification.objects.create(
            user=village_mediator, kind=NotificationKind.OVERDUE, case=case, message="先前的提醒", due_date=case.due_date
        )
    before = {
        "incidents": set(Incident.objects.values_list("pk", flat=True)),
        "notifications": set(Notification.objects.values_list("pk", flat=True)),
        "outbox": set(OutboxMessage.objects.values_list("pk", flat=True)),
    }

    mediators = {}
    for unit_id, user_id in RoleAssignment.objects.filter(
        role=Role.MEDIATOR, person__is_active=True, person__user__is_active=True
    ).values_list("unit_id", "person__user_id"):
        mediators.setdefault(unit_id, set()).add(user_id)

    def recipients(case):
        return {case.mediator_id} if case.mediator_id else mediators.get(case.assigned_unit_id, set())

    def notices(kind, text, among):
        return sorted(
            (user_id, kind, case.pk, text % {"number": case.number}, case.due_date, "", None)
            for case in among
            for user_id in recipients(case)
        )

    # Every moment the sweep asks for, so that each row's timestamp can be checked to be one of
    # them and the same for all rows written for a case.
    moments = []

    def now():
        moments.append(real_now())
        return moments[-1]

    real_now = timezone.now
    monkeypatch.setattr(timezone, "now", now)
    result = deadlines_sweep(today=THU)
    monkeypatch.setattr(timezone, "now", real_now)

    written = {
        "incidents": Incident.objects.exclude(pk__in=before["incidents"]),
        "notifications": Notification.objects.exclude(pk__in=before["notifications"]),
        "outbox": OutboxMessage.objects.exclude(pk__in=before["outbox"]),
    }
    # The moment each case's rows were written at: one per case, one the sweep was given.
    at = {}
    for case_id, moment in [
        *CaseEvent.objects.filter(kind=EventKind.OVERDUE).values_list("case_id", "at"),
        *written["incidents"].values_list("case_id", "created_at"),
        *written["notifications"].values_list("case_id", "created_at"),
    ]:
        assert at.setdefault(case_id, moment) == moment
    assert set(at.values()) <= set(moments)

    events = CaseEvent.objects.filter(case__in=cases)
    assert sorted(events.values_list("case_id", "kind", "action", "actor_id", "at", "from_state", "to_state", "reason", "data")) == sorted(
        (case.pk, EventKind.OVERDUE, case.due_stage, None, at[case.pk], case.state, case.state, "", {}) for case in newly
    )
    flagged = {case.pk for case in cases if case.is_overdue} | {case.pk for case in newly}
    assert set(Case.objects.filter(is_overdue=True).values_list("pk", flat=True)) == flagged
    # Nothing else of a case changes.
    fields = [field.attname for field in Case._meta.concrete_fields if field.attname != "is_overdue"]
    assert {row[0]: row for row in Case.objects.filter(pk__in=by_pk).values_list(*fields)} == {
        case.pk: tuple(getattr(case, name) for name in fields) for case in cases
    }

    noted_ids = {case.pk for case in noted}
    assert sorted(
        written["incidents"].values_list(
            "kind", "case_id", "unit_id", "responsible_user_id", "liaison_leader_id", "stage", "due_date", "detected_on",
            "assessment_year", "status", "evidence", "reviewed_by_id", "reviewed_at", "review_reason", "version", "created_at",
        )
    ) == sorted(
        (IncidentKind.MISSED_LIMIT, case.pk, case.assigned_unit_id, case.mediator_id, None, case.due_stage, case.due_date)
        + (THU, 2026, IncidentStatus.PENDING, {}, None, None, "", 1, at[case.pk])
        for case in late
        if case.due_stage != DeadlineStage.PERFORMANCE and case.pk not in noted_ids
    )

    columns = ("user_id", "kind", "case_id", "message", "due_date", "link", "read_at")
    rows = {kind: sorted(written["notifications"].filter(kind=kind).values_list(*columns)) for kind in NotificationKind.values}
    reminded_ids = {case.pk for case in reminded}
    overdue_notices = notices(NotificationKind.OVERDUE, "案件 %(number)s 已超过办理时限，请尽快办理。", late)
    assert rows.pop(NotificationKind.OVERDUE) == [row for row in overdue_notices if row[2] not in reminded_ids]
    due_soon = [case for case in open_cases if not case.is_overdue and THU <= case.due_date <= soon]
    assert rows.pop(NotificationKind.DUE_SOON) == notices(NotificationKind.DUE_SOON, "案件 %(number)s 即将到期，请按时办理。", due_soon)
    assert not any(rows.values())

    # Deliveries: an email for each reminder to the one recipient with an address; a post to
    # each group chat for each group of identical reminders (on the first of them), to the
    # one endpoint for every kind and to the due-soon one for due-soon reminders only. The
    # payload is the reminder as it was written, with an absolute link to the case.
    def payload(notice):
        return {
            "notification_id": notice.pk, "kind": notice.kind, "title": str(NotificationKind(notice.kind).label),
            "message": notice.message, "link": f"{SITE}/cases/{notice.case_id}/", "case_number": by_pk[notice.case_id].number,
            "due_date": notice.due_date.isoformat(),
        }

    def delivery(notice, channel, endpoint, recipient):
        moment = at[notice.case_id]
        return (notice.pk, channel, endpoint, recipient, payload(notice), OutboxStatus.PENDING, 0, moment, "", "", None, moment)

    firsts = {}
    for notice in written["notifications"].order_by("pk"):
        firsts.setdefault((notice.kind, notice.case_id, notice.message, notice.due_date), notice)
    expected = [
        delivery(notice, OutboxChannel.EMAIL, None, village_mediator.email)
        for notice in written["notifications"].filter(user=village_mediator)
    ]
    expected += [delivery(notice, OutboxChannel.WEBHOOK, group.pk, group.url) for notice in firsts.values()]
    expected += [
        delivery(notice, OutboxChannel.WEBHOOK, soon_only.pk, soon_only.url)
        for notice in firsts.values()
        if notice.kind == NotificationKind.DUE_SOON
    ]
    outbox_columns = (
        "notification_id", "channel", "endpoint_id", "recipient", "payload", "status", "attempts", "next_attempt_at",
        "claim", "last_error", "sent_at", "created_at",
    )
    assert sorted(written["outbox"].values_list(*outbox_columns), key=repr) == sorted(expected, key=repr)

    assert result == {
        "newly_overdue": len(newly),
        "incidents": written["incidents"].count(),
        "notified_overdue": written["notifications"].filter(kind=NotificationKind.OVERDUE).count(),
        "notified_due_soon": written["notifications"].filter(kind=NotificationKind.DUE_SOON).count(),
    }
    assert len(newly) > 1000 and result["notified_overdue"] > len(newly) and result["notified_due_soon"] > 0
    assert len(set(at.values())) > 2  # several transactions, each with its own moment

    assert deadlines_sweep(today=THU) == {"newly_overdue": 0, "incidents": 0, "notified_overdue": 0, "notified_due_soon": 0}
