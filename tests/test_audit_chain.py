"""The hash chain over case events: sealing, verification, and what tampering looks like."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from jiefen.audit.chain import events_seal, events_verify
from jiefen.audit.models import EventSeal
from jiefen.cases.models import CaseEvent

pytestmark = pytest.mark.django_db

LATER = timezone.now() + timedelta(hours=1)


def raw(sql, params=()):
    table = connection.ops.quote_name(CaseEvent._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(sql.format(events=table, seals=connection.ops.quote_name(EventSeal._meta.db_table)), params)


@pytest.fixture
def sealed(make_case):
    cases = [make_case(title=f"纠纷{i}") for i in range(3)]
    assert events_seal(now=LATER) == CaseEvent.objects.count() > 3
    return cases


def test_every_event_is_sealed_once_and_the_chain_verifies(sealed, make_case):
    assert events_seal(now=LATER) == 0  # nothing new
    verdict = events_verify(now=LATER)
    assert verdict.ok and verdict.checked == CaseEvent.objects.count() and verdict.unsealed == 0
    before = CaseEvent.objects.count()
    make_case(title="新纠纷")
    new = CaseEvent.objects.count() - before
    assert events_seal() == 0  # younger than the sealing delay: left for the next run
    assert events_verify(now=LATER).unsealed == new
    assert events_seal(now=LATER) == new
    assert events_verify(now=LATER).ok


def test_an_altered_event_is_named(sealed):
    target = CaseEvent.objects.order_by("id")[2]
    raw("UPDATE {events} SET reason = %s WHERE id = %s", ["改过的理由", target.id])
    verdict = events_verify(now=LATER)
    assert (verdict.ok, verdict.broken_event_id, verdict.problem) == (False, target.id, "altered")
    with pytest.raises(CommandError, match=f"第 {target.id} 号案件事件处断裂"):
        call_command("audit_verify")


def test_a_deleted_event_is_named(sealed):
    target = CaseEvent.objects.order_by("id")[1]
    raw("DELETE FROM {events} WHERE id = %s", [target.id])
    verdict = events_verify(now=LATER)
    assert (verdict.broken_event_id, verdict.problem) == (target.id, "deleted")


def test_deleting_an_event_with_its_seal_breaks_the_next_link(sealed):
    first, second, third = CaseEvent.objects.order_by("id")[:3]
    raw("DELETE FROM {seals} WHERE event_id = %s", [second.id])
    raw("DELETE FROM {events} WHERE id = %s", [second.id])
    verdict = events_verify(now=LATER)
    assert (verdict.broken_event_id, verdict.problem) == (third.id, "altered")


def test_a_recomputed_chain_without_the_key_does_not_verify(sealed, settings):
    settings.AUDIT_HMAC_KEY = "another key entirely"
    assert not events_verify(now=LATER).ok


def test_an_event_that_commits_late_is_sealed_on_the_next_run(sealed, make_case):
    # An event with a lower id than the highest sealed one (its transaction committed late).
    make_case(title="后提交")
    newest = CaseEvent.objects.order_by("-id").first()
    EventSeal.objects.filter(event_id=newest.id).delete()  # never sealed
    events_seal(now=LATER)
    assert EventSeal.objects.filter(event_id=newest.id).exists()
    assert events_verify(now=LATER).ok


def test_the_command_reports_a_whole_chain(sealed, capsys):
    call_command("audit_verify")
    assert "哈希链完整" in capsys.readouterr().out


# ---------------------------------------------------------------- the access log


def test_opening_a_case_file_is_logged_with_who_and_how(client, make_case, centre_staff, village_mediator, outsider):
    from django.urls import reverse

    from jiefen.audit.models import AccessKind, CaseAccess
    from jiefen.cases.models import CaseState

    from .casework import walk

    case = walk(make_case(), CaseState.ACCEPTED, staff=centre_staff, mediator=village_mediator)
    client.force_login(village_mediator)
    assert client.get(reverse("web:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("documents:document", args=[case.pk, "acceptance", "docx"])).status_code == 200
    log = list(CaseAccess.objects.filter(case=case).order_by("id").values_list("user__username", "kind", "detail"))
    assert log == [(village_mediator.username, AccessKind.CASE, ""), (village_mediator.username, AccessKind.DOCUMENT, "acceptance.docx")]
    client.force_login(outsider)
    assert client.get(reverse("web:case_detail", args=[case.pk])).status_code == 404
    assert not CaseAccess.objects.filter(user=outsider).exists()  # refused, so nothing was opened
