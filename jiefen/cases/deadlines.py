"""Time limits per stage (DESIGN §7), and the periodic sweep that finds missed ones."""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.common.prepared import Prepared
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.notifications.outbox import outbox_enqueue_written_at
from jiefen.organisation.models import Person, Role, RoleAssignment
from jiefen.workdays.services import add_working_days

from .models import Case, CaseEvent, CaseState, DayKind, DeadlineStage, EventKind, RiskGrade, TimeLimit

# Used when the editable table has no row for a stage.
DEFAULT_LIMITS = {
    (DeadlineStage.ACCEPTANCE, RiskGrade.RED): (0, DayKind.WORKING),
    (DeadlineStage.ACCEPTANCE, ""): (1, DayKind.WORKING),
    (DeadlineStage.ASSIGNMENT, RiskGrade.RED): (0, DayKind.WORKING),
    (DeadlineStage.ASSIGNMENT, ""): (1, DayKind.WORKING),
    (DeadlineStage.MEDIATION, ""): (30, DayKind.CALENDAR),
    (DeadlineStage.RETURN_VISIT, ""): (15, DayKind.CALENDAR),
    (DeadlineStage.DISPOSITION, ""): (3, DayKind.WORKING),
    (DeadlineStage.ARCHIVING, ""): (10, DayKind.WORKING),
}

STAGE_BY_STATE = {
    CaseState.REGISTERED: DeadlineStage.ACCEPTANCE,
    CaseState.ACCEPTED: DeadlineStage.ASSIGNMENT,
    CaseState.ASSIGNED: DeadlineStage.MEDIATION,
    CaseState.MEDIATING: DeadlineStage.MEDIATION,
    CaseState.AGREED: DeadlineStage.PERFORMANCE,
    CaseState.PERFORMING: DeadlineStage.PERFORMANCE,
    CaseState.PERFORMED: DeadlineStage.RETURN_VISIT,
    CaseState.TERMINATED: DeadlineStage.DISPOSITION,
    CaseState.REJECTED: DeadlineStage.ARCHIVING,
    CaseState.VISITED: DeadlineStage.ARCHIVING,
    CaseState.REFERRED_OUT: DeadlineStage.ARCHIVING,
    CaseState.HANDED_UP: DeadlineStage.ARCHIVING,
}


# Performance is judged item by item: the mediation app's performance sweep records one incident
# for each agreement item left unperformed past its own date. The case-level limit (the latest
# item's date) still flags the case and reminds, but recording an incident for it as well would
# count one missed obligation twice against the unit.
STAGES_WITH_OWN_INCIDENTS = (DeadlineStage.PERFORMANCE,)


# Compiled once (jiefen/common/prepared.py): read for every case that enters a stage.
_LIMITS = Prepared(
    lambda stage, risk_grade: TimeLimit.objects.filter(stage=stage, risk_grade__in=[risk_grade, ""]), stage=str, risk_grade=str
)


def limit_for(stage: str, risk_grade: str) -> tuple[int, str]:
    rows = {row.risk_grade: row for row in _LIMITS(stage=stage, risk_grade=risk_grade)}
    row = rows.get(risk_grade) or rows.get("")
    if row is not None:
        return row.days, row.day_kind
    return DEFAULT_LIMITS.get((stage, risk_grade)) or DEFAULT_LIMITS[(stage, "")]


def deadline_after(stage: str, risk_grade: str, start: date) -> date:
    days, kind = limit_for(stage, risk_grade)
    if kind == DayKind.CALENDAR:
        return start + timedelta(days=days)
    return add_working_days(start, days)


def case_set_deadline(case: Case, today: date) -> None:
    """Set the case's current stage and due date for the state it has just entered (no save)."""
    stage = STAGE_BY_STATE.get(case.state)
    previous = (case.due_stage, case.due_date)
    case.due_stage = stage or ""
    if stage is None:
        case.due_date = None
    elif stage == DeadlineStage.MEDIATION:
        case.due_date = case.mediation_due_date
    elif stage == DeadlineStage.PERFORMANCE:
        case.due_date = case.performance_due
    else:
        case.due_date = deadline_after(stage, case.risk_grade, today)
    # A step inside the same limit (分派 → 调解中, 达成协议 → 履行中) does not cure a limit that
    # has already run out; only a new limit clears the flag. Otherwise the case would drop off
    # the overdue lists and the next sweep would record the same missed limit again.
    case.is_overdue = case.is_overdue and (case.due_stage, case.due_date) == previous and case.due_date is not None


def case_record_missed_limit(case: Case, today: date) -> bool:
    """Record the case's current limit as missed if it ran out before the sweep noticed.

    Called by services just before they move a case on: a limit missed at night and cured
    next morning before the hourly sweep ran is still a missed limit (DESIGN §7). Writes what
    the sweep would have written — one OVERDUE event and one incident for that limit — and
    marks the case overdue (no save).
    """
    if case.is_overdue or case.due_date is None or case.due_date >= today or case.state == CaseState.ARCHIVED:
        return False
    CaseEvent.objects.create(case=case, kind=EventKind.OVERDUE, action=case.due_stage, from_state=case.state, to_state=case.state)
    if case.due_stage in STAGES_WITH_OWN_INCIDENTS:
        case.is_overdue = True
        return True
    Incident.objects.get_or_create(
        case=case,
        kind=IncidentKind.MISSED_LIMIT,
        stage=case.due_stage,
        due_date=case.due_date,
        defaults={
            "unit_id": case.assigned_unit_id,
            "responsible_user_id": case.mediator_id,
            "detected_on": today,
            "assessment_year": today.year,
            "status": IncidentStatus.PENDING,
        },
    )
    case.is_overdue = True
    return True


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


# Cases flagged per transaction when the sweep catches up: each chunk commits its flags with
# their events, incidents and reminders, so a catch-up over a long outage streams in bounded
# memory, never holds the write lock for long, and an interrupted run is simply run again. In
# id order a chunk of 20,000 holds SQLite's write lock about a second at a million open cases
# on a small server, no longer than 5,000 taken in due-date order did.
SWEEP_CHUNK = 20000
# The first transaction takes no more than this: what an hourly run finds is a few of them;
# when there are more, the rest is a catch-up and goes in id order (below).
SWEEP_FIRST = 2000
# The ids of the limits still to flag when a catch-up starts, one row each, in the
# connection's own temporary table (gone with the connection if the process dies).
SWEEP_SNAPSHOT = "jiefen_sweep_pending"
# SQLite's page cache for the connection while it catches up (KiB; the default is 2 MiB): a
# chunk's rows and index pages stay in memory until it commits instead of being spilled to
# the log and read back.
SWEEP_CACHE_KIB = 128 * 1024


# The open state as the sweep's partial indexes say it (models.Case.Meta.indexes), written out
# rather than bound: SQLite then recognises the index's own condition and takes it as met by
# every entry, instead of reading each case row to check the state.
_OPEN = f"NOT (c.state = '{CaseState.ARCHIVED.value}')"


def _snapshot() -> str:
    """The snapshot's name, qualified so that it can only ever be the temporary table."""
    schema = "pg_temp" if connection.vendor == "postgresql" else "temp"
    return f"{schema}.{connection.ops.quote_name(SWEEP_SNAPSHOT)}"


def _among(column: str, ids: list) -> tuple[str, list]:
    """SQL and parameters for `column` being one of `ids` (a chunk's worth)."""
    if connection.vendor == "postgresql":
        return f"{column} = ANY(CAST(%s AS bigint[]))", [ids]
    return f"{column} IN ({', '.join(['%s'] * len(ids))})", ids


def deadlines_sweep(today: date | None = None) -> dict:
    """Mark overdue cases, record one 不到位 incident per missed limit, and remind people.

    Set-based, in chunks. The first transaction flags what an hourly run finds (up to
    SWEEP_FIRST newly overdue cases, through the partial index of open, not yet overdue
    limits) with their events, incidents and reminders, and fills in whatever an overdue case
    still lacks (a limit flagged by a service, a recipient who has joined). If that was not
    all, the run is a catch-up: it notes the ids still to flag and takes them in id order,
    SWEEP_CHUNK per transaction, so each chunk's rows go into neighbouring pages of the
    indexes keyed by case instead of all over them. The last transaction also sends the
    due-soon reminders. What an overdue case comes to lack while a catch-up runs (a service
    flags a limit, someone joins a unit) is filled in by the next run, as between two runs.
    An hourly run that finds nothing new is a few index lookups; running it twice changes
    nothing the second time.
    """
    from django.conf import settings

    today = today or timezone.localdate()
    soon = add_working_days(today, settings.JIEFEN_DUE_SOON_WORKING_DAYS)
    counts = {"newly_overdue": 0, "incidents": 0, f"notified_{NotificationKind.OVERDUE}": 0, f"notified_{NotificationKind.DUE_SOON}": 0}
    after = cache = None
    catching_up = False
    try:
        while True:
            with transaction.atomic(), connection.cursor() as cursor:
                after = _sweep_chunk(cursor, today, soon, timezone.now(), counts, after)
            if after is None:
                return counts
            if not catching_up:
                catching_up, cache = True, _cache_enlarge()
    finally:
        if catching_up:
            _catch_up_end(cache)


def _snapshot_take(cursor, today: date) -> None:
    """Note the ids of every limit still to flag (read from the partial index alone)."""
    snapshot, case_t = _snapshot(), _table(Case)
    id_type = "bigint" if connection.vendor == "postgresql" else "integer"
    cursor.execute(f"DROP TABLE IF EXISTS {snapshot}")
    cursor.execute(f"CREATE TEMPORARY TABLE {snapshot} (id {id_type} PRIMARY KEY)")
    # A case archived or flagged since is left out by the chunk that reaches it, whose update
    # checks every condition again on the row. Sorted first, the key is written in order.
    cursor.execute(
        f"""INSERT INTO {snapshot} (id)
            SELECT c.id FROM {case_t} c WHERE c.due_date IS NOT NULL AND NOT c.is_overdue AND {_OPEN} AND c.due_date < %s
            ORDER BY c.id""",
        [today],
    )
    if connection.vendor == "postgresql":
        # Temporary tables are never analysed by autovacuum; without statistics the planner
        # would read the whole snapshot for every chunk instead of a range of its key.
        cursor.execute(f"ANALYZE {snapshot}")


def _cache_enlarge():
    """On SQLite, a larger page cache for the catch-up; returns the setting to restore."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        previous = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = {-int(SWEEP_CACHE_KIB)}")
    return previous


def _catch_up_end(cache) -> None:
    """Drop the snapshot and give the cache back (the connection persists and serves others)."""
    try:
        with connection.cursor() as cursor:
            if cache is not None:
                cursor.execute(f"PRAGMA cache_size = {int(cache)}")
                cursor.execute("PRAGMA shrink_memory")
            cursor.execute(f"DROP TABLE IF EXISTS {_snapshot()}")
    except DatabaseError:
        # The transaction that created the table was rolled back or the connection is gone,
        # and the table with either.
        pass


def _sweep_chunk(cursor, today: date, soon: date, now, counts: dict, after):
    """One transaction of the sweep; returns where the next one starts in the snapshot, or None after the last.

    `after` is None for the first transaction, else the id after which this chunk starts.
    """
    case_t, event_t, incident_t = _table(Case), _table(CaseEvent), _table(Incident)
    archived = CaseState.ARCHIVED
    if after is None:
        # The terms match the partial index's conditions word for word (SQLite uses a partial
        # index only then).
        first = min(SWEEP_FIRST, SWEEP_CHUNK)
        chosen = f"""SELECT c.id FROM {case_t} c
            WHERE c.due_date IS NOT NULL AND NOT c.is_overdue AND {_OPEN} AND c.due_date < %s
            ORDER BY c.due_date, c.id LIMIT {int(first)}"""
        chosen_params = [today]
    else:
        snapshot = _snapshot()
        cursor.execute(f"SELECT t.id FROM {snapshot} t WHERE t.id > %s ORDER BY t.id LIMIT 1 OFFSET %s", [after, SWEEP_CHUNK - 1])
        row = cursor.fetchone()
        upto = row[0] if row else None
        chosen = f"SELECT t.id FROM {snapshot} t WHERE t.id > %s" + ("" if upto is None else " AND t.id <= %s")
        chosen_params = [after] if upto is None else [after, upto]
    # The conditions are checked again on the row under the write lock, so a case a user
    # moved on since it was chosen is left alone. On PostgreSQL the chosen ids go in as an
    # array, so the rows are found through the primary key whatever the planner estimates for
    # the snapshot (a hash join would read the whole case table for every chunk).
    chosen = f"= ANY(ARRAY({chosen}))" if connection.vendor == "postgresql" else f"IN ({chosen})"
    cursor.execute(
        f"""UPDATE {case_t} SET is_overdue = %s
            WHERE id {chosen}
              AND due_date IS NOT NULL AND NOT is_overdue AND state <> %s AND due_date < %s
            RETURNING id""",
        [True, *chosen_params, archived, today],
    )
    flagged = sorted(row[0] for row in cursor.fetchall())
    counts["newly_overdue"] += len(flagged)
    if after is None:
        if len(flagged) < first:
            upto = None
        else:
            _snapshot_take(cursor, today)
            upto = 0
    last = upto is None
    if flagged:
        among, among_params = _among("c.id", flagged)
        cursor.execute(
            f"""INSERT INTO {event_t} (case_id, kind, action, actor_id, at, from_state, to_state, reason, data)
                SELECT c.id, %s, c.due_stage, NULL, %s, c.state, c.state, '', '{{}}'
                FROM {case_t} c WHERE {among}""",
            [EventKind.OVERDUE, now, *among_params],
        )
    # The first transaction covers every overdue case (which also takes in limits flagged by
    # case_record_missed_limit and people who joined a unit since); a catch-up chunk its own.
    if after is None:
        overdue, overdue_params = f"c.due_date IS NOT NULL AND c.is_overdue AND {_OPEN}", []
    elif flagged:
        overdue, overdue_params = among, among_params
    else:
        overdue = None
    written = 0
    if overdue:
        cursor.execute(
            f"""INSERT INTO {incident_t}
                    (kind, case_id, unit_id, responsible_user_id, stage, due_date, detected_on,
                     assessment_year, status, evidence, created_at)
                SELECT %s, c.id, c.assigned_unit_id, c.mediator_id, c.due_stage, c.due_date, %s, %s, %s, '{{}}', %s
                FROM {case_t} c
                WHERE {overdue} AND c.due_date IS NOT NULL AND c.due_stage NOT IN (%s)
                  AND NOT EXISTS (
                    SELECT 1 FROM {incident_t} i
                    WHERE i.case_id = c.id AND i.kind = %s AND i.stage = c.due_stage AND i.due_date = c.due_date)""",
            [IncidentKind.MISSED_LIMIT, today, today.year, IncidentStatus.PENDING, now, *overdue_params,
             *STAGES_WITH_OWN_INCIDENTS, IncidentKind.MISSED_LIMIT],
        )
        counts["incidents"] += cursor.rowcount
        written += _remind(cursor, NotificationKind.OVERDUE, _("案件 %(number)s 已超过办理时限，请尽快办理。"), overdue, overdue_params, now, counts)
    if last:
        written += _remind(
            cursor,
            NotificationKind.DUE_SOON,
            _("案件 %(number)s 即将到期，请按时办理。"),
            f"c.due_date IS NOT NULL AND NOT c.is_overdue AND {_OPEN} AND c.due_date >= %s AND c.due_date <= %s",
            [today, soon],
            now,
            counts,
        )
    if written:
        # Their email and webhook deliveries, in the same transaction and one statement.
        outbox_enqueue_written_at(cursor, created_at=now, kinds=[NotificationKind.OVERDUE, NotificationKind.DUE_SOON])
    return upto


def _remind(cursor, kind: str, text: str, condition: str, params: list, now, counts: dict) -> int:
    """Remind about the cases `c` matching `condition`, once per person, case, kind and limit."""
    case_t, notice_t = _table(Case), _table(Notification)
    role_t, person_t, user_t = _table(RoleAssignment), _table(Person), _table(get_user_model())
    prefix, suffix = text.split("%(number)s")
    # Recipients: the case's mediator; before one is assigned, every active mediator of the unit.
    # One pass over the cases (through the sweep's partial indexes), the unit's people joined
    # only where the case has no mediator yet; someone holding the role twice in the unit is
    # reminded once (the unique constraint, rather than sorting every row for DISTINCT).
    recipients = f"""
        SELECT COALESCE(c.mediator_id, p.user_id) AS user_id, c.id AS case_id, c.number AS number, c.due_date AS due_date
        FROM {case_t} c
        LEFT JOIN {role_t} r ON c.mediator_id IS NULL AND r.unit_id = c.assigned_unit_id AND r.role = %s
        LEFT JOIN {person_t} p ON p.id = r.person_id AND p.user_id IS NOT NULL AND p.is_active = %s
        LEFT JOIN {user_t} u ON u.id = p.user_id AND u.is_active = %s
        WHERE {condition} AND (c.mediator_id IS NOT NULL OR u.id IS NOT NULL)"""
    cursor.execute(
        f"""INSERT INTO {notice_t} (user_id, kind, case_id, message, due_date, created_at, read_at)
            SELECT x.user_id, %s, x.case_id, %s || x.number || %s, x.due_date, %s, NULL
            FROM ({recipients}) x
            WHERE NOT EXISTS (
                SELECT 1 FROM {notice_t} n
                WHERE n.user_id = x.user_id AND n.case_id = x.case_id AND n.kind = %s AND n.due_date = x.due_date)
            ON CONFLICT DO NOTHING""",
        [kind, prefix, suffix, now, Role.MEDIATOR, True, True, *params, kind],
    )
    counts[f"notified_{kind}"] += cursor.rowcount
    return cursor.rowcount
