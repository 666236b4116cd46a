"""Writing deliveries (email, webhooks) into the outbox, in the transaction that wrote the notifications.

One set-based statement serves notify() and the raw-SQL sweeps alike: it reads the
notifications just written, the recipients' addresses and preferences and the active
webhook endpoints, renders each message's payload in SQL and inserts the outbox rows. Its
cost does not grow with the number of notifications, and running it twice adds nothing (the
outbox's unique constraints with ON CONFLICT DO NOTHING).

A webhook posts into a group chat, so one event told to five people is posted once: the
webhook rows hang on one notification of each group of identical notifications (same kind,
case, message and limit) in the batch.
"""

from functools import lru_cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

from .models import (
    Notification,
    NotificationKind,
    NotificationPreference,
    OutboxChannel,
    OutboxMessage,
    OutboxStatus,
    WebhookEndpoint,
)


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def _kinds_match(column: str, kind: str) -> str:
    """SQL: the JSON list in `column` is empty or holds `kind`."""
    if connection.vendor == "postgresql":
        return f"(jsonb_array_length({column}) = 0 OR {column} @> jsonb_build_array({kind}))"
    return f"(json_array_length({column}) = 0 OR EXISTS (SELECT 1 FROM json_each({column}) k WHERE k.value = {kind}))"


def site_url() -> str:
    return settings.SITE_URL.rstrip("/")


def _case_link_parts() -> tuple[str, str]:
    marker = 918273645
    prefix, suffix = reverse("web:case_detail", args=[marker]).split(str(marker))
    return prefix, suffix


def _payload_sql() -> tuple[str, tuple]:
    """The payload as a JSON object built in SQL from the batch row `b` and its case `c`.

    Frozen at enqueue time: the text, the kind's label and the absolute link as they are now.
    """
    # What the SQL depends on; rendering every kind's label costs more than the rest of a
    # registration's notifications.
    key = (connection.vendor, get_language(), settings.SITE_URL, settings.ROOT_URLCONF, get_urlconf(), get_script_prefix())
    return _payload_sql_for(key)


@lru_cache(maxsize=32)
def _payload_sql_for(key) -> tuple[str, tuple]:
    json_object = "jsonb_build_object" if connection.vendor == "postgresql" else "json_object"
    labels = list(NotificationKind.choices)
    title = "CASE b.kind " + " ".join("WHEN %s THEN CAST(%s AS TEXT)" for _label in labels) + " ELSE b.kind END"
    case_prefix, case_suffix = _case_link_parts()
    link = (
        "CAST(%s AS TEXT) || (CASE WHEN b.link <> '' THEN b.link"
        " WHEN b.case_id IS NOT NULL THEN CAST(%s AS TEXT) || CAST(b.case_id AS VARCHAR(20)) || CAST(%s AS TEXT)"
        " ELSE CAST(%s AS TEXT) END)"
    )
    sql = (
        f"{json_object}('notification_id', b.id, 'kind', b.kind, 'title', {title}, 'message', b.message,"
        f" 'link', {link}, 'case_number', c.number, 'due_date', CAST(b.due_date AS VARCHAR(10)))"
    )
    params = [str(part) for value, label in labels for part in (value, label)]
    params += [site_url(), case_prefix, case_suffix, reverse("web:notifications")]
    return sql, tuple(params)


def _adapt(moment):
    return connection.ops.adapt_datetimefield_value(moment)


def outbox_enqueue_where(cursor, *, where: str, params: list, now) -> int:
    """Enqueue every delivery due for the notifications `n` selected by `where`; returns rows added.

    Runs in the caller's transaction and cursor: the deliveries commit or roll back with the
    notifications.
    """
    from jiefen.cases.models import Case
    from jiefen.organisation.models import Area, Person, RoleAssignment, Unit

    notice_t, outbox_t, pref_t, endpoint_t = (
        _table(Notification),
        _table(OutboxMessage),
        _table(NotificationPreference),
        _table(WebhookEndpoint),
    )
    user_t, case_t = _table(get_user_model()), _table(Case)
    role_t, person_t, unit_t, area_t = _table(RoleAssignment), _table(Person), _table(Unit), _table(Area)
    payload, payload_params = _payload_sql()
    at = _adapt(now)
    sql = f"""
        WITH b AS (
            SELECT n.id, n.user_id, n.kind, n.case_id, n.message, n.link, n.due_date
            FROM {notice_t} n WHERE {where})
        INSERT INTO {outbox_t}
            (notification_id, channel, endpoint_id, recipient, payload, status, attempts,
             next_attempt_at, claim, last_error, sent_at, created_at)
        SELECT b.id, %s, NULL, u.email, {payload}, %s, 0, %s, '', '', CAST(NULL AS TIMESTAMP WITH TIME ZONE), %s
        FROM b
        JOIN {user_t} u ON u.id = b.user_id
        LEFT JOIN {case_t} c ON c.id = b.case_id
        LEFT JOIN {pref_t} p ON p.user_id = b.user_id
        WHERE u.is_active = %s AND COALESCE(u.email, '') <> ''
          AND COALESCE(p.email_enabled, %s) = %s
          AND (p.id IS NULL OR {_kinds_match("p.kinds", "b.kind")})
        UNION ALL
        -- The endpoints first (SQLite keeps the order of a CROSS JOIN as written): where none
        -- is active, this half reads neither the batch nor its grouping.
        SELECT b.id, %s, e.id, e.url, {payload}, %s, 0, %s, '', '', CAST(NULL AS TIMESTAMP WITH TIME ZONE), %s
        FROM {endpoint_t} e
        CROSS JOIN b
        LEFT JOIN {case_t} c ON c.id = b.case_id
        WHERE e.is_active = %s
          AND b.id IN (SELECT MIN(g.id) FROM b g GROUP BY g.kind, g.case_id, g.message, g.due_date)
          AND {_kinds_match("e.kinds", "b.kind")}
          AND (e.subdistrict_id IS NULL OR e.subdistrict_id = c.subdistrict_id OR (b.case_id IS NULL AND EXISTS (
                SELECT 1 FROM {role_t} r
                JOIN {person_t} pe ON pe.id = r.person_id AND pe.is_active = %s
                LEFT JOIN {unit_t} un ON un.id = r.unit_id
                JOIN {area_t} a ON a.id = COALESCE(un.area_id, r.area_id)
                WHERE pe.user_id = b.user_id AND COALESCE(a.subdistrict_id, a.id) = e.subdistrict_id)))
        ON CONFLICT DO NOTHING"""
    email_default = bool(getattr(settings, "JIEFEN_NOTIFY_EMAIL_DEFAULT", True))
    cursor.execute(
        sql,
        [
            *params,
            OutboxChannel.EMAIL, *payload_params, OutboxStatus.PENDING, at, at, True, email_default, True,
            OutboxChannel.WEBHOOK, *payload_params, OutboxStatus.PENDING, at, at, True, True,
        ],
    )
    return max(cursor.rowcount, 0)


def outbox_enqueue_written_at(cursor, *, created_at, kinds, now=None) -> int:
    """For a set-based sweep: enqueue the deliveries of the notifications it has just written.

    The sweep writes all its notifications with one timestamp; `created_at` must be passed
    exactly as the sweep passed it to its INSERT (the same Python value), so the comparison
    matches what the database stored. Call it inside the sweep's transaction, after its inserts.
    """
    kinds = list(kinds)
    where = f"n.created_at = %s AND n.kind IN ({', '.join(['%s'] * len(kinds))})"
    return outbox_enqueue_where(cursor, where=where, params=[created_at, *kinds], now=now or created_at)
