"""The case page runs the same number of queries however long the case's history: more events,
parties, records, evidence, referrals and agreement items add rows, not queries. Its action forms
carry their fields only when opened (htmx), or when the page is reloaded with ?open= (no JS)."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.cases import services
from jiefen.cases.models import Case, CaseState
from jiefen.mediation.models import RecordKind, ReferralDirection, ReferralKind
from jiefen.mediation.services.agreements import agreement_draft
from jiefen.mediation.services.preparation import referral_create
from jiefen.mediation.services.sittings import evidence_upload, record_create

from .casework import act, register, today
from .conftest import parties_data
from .steps_agreements import at, item
from .steps_documents import counterparts, png_bytes

pytestmark = pytest.mark.django_db


def mediating_case(org, dispute_type, *, staff, mediator, size):
    """A case in mediation; `size` scales its parties, events, records, evidence, referrals and items."""
    on = today()
    extra = [
        {"role": "respondent", "kind": "person", "name": f"王{n}", "phone": f"1370013{n:04d}"} for n in range(size - 1)
    ]
    case = register(org, dispute_type, staff, parties=parties_data() + extra)
    case = act(case, "accept", staff, on=on)
    case = act(case, "assign", staff, mediator=mediator, on=on)
    case = act(case, "start_mediation", mediator, on=on)
    court, _police = counterparts(org)
    for n in range(size):
        case = Case.objects.get(pk=case.pk)
        services.case_update_risk(
            case_id=case.pk, actor=mediator, risk_grade="yellow" if n % 2 == 0 else "blue", complexity=case.complexity,
            reason=f"第{n}次研判", expected_version=case.version,
        )
        record_create(
            case_id=case.pk, actor=mediator, kind=RecordKind.MEDIATION, held_at=at(on), place=f"调解室{n}",
            participants="双方当事人", statements="各自陈述。", result="继续调解。",
        )
        evidence_upload(
            case_id=case.pk, actor=mediator, uploaded_file=SimpleUploadedFile(f"照片{n}.png", png_bytes()), description=f"照片{n}"
        )
        referral_create(
            case_id=case.pk, actor=mediator, direction=ReferralDirection.OUT, kind=ReferralKind.COURT, sent_on=on,
            counterpart_id=court.pk, counterpart_name=court.name, feedback_due=on + timedelta(days=10), reason=f"对接{n}",
        )
    case = Case.objects.get(pk=case.pk)
    agreement_draft(
        case_id=case.pk, actor=mediator, form="written", facts="事实", matters_in_dispute="争议", responsibilities="责任",
        terms="条款", items=[item(case, on + timedelta(days=5 + n), what=f"事项{n}") for n in range(size)], today=on,
    )
    case = Case.objects.get(pk=case.pk)
    assert case.state == CaseState.MEDIATING
    return case


def page_queries(client, user, case):
    client.force_login(user)
    url = reverse("web:case_detail", args=[case.pk])
    client.get(url)  # warm per-process caches (the QR code, calendars)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


@pytest.mark.parametrize("who", ["centre_staff", "village_mediator"])
def test_case_page_queries_do_not_grow_with_history(who, client, org, dispute_type, centre_staff, village_mediator):
    user = {"centre_staff": centre_staff, "village_mediator": village_mediator}[who]
    short = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    long = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=6)
    assert long.events.count() > short.events.count() + 10 and long.parties.count() == short.parties.count() + 5

    short_count, _page = page_queries(client, user, short)
    long_count, page = page_queries(client, user, long)
    # (the long case's latest events name no unit, so it may even save the unit-name lookup)
    assert long_count <= short_count
    assert short_count <= 21  # bounded; 56 on the bench case before the panels shared one load of the case's rows
    # everything is still shown
    assert "王4" in page and "调解室5" in page and "照片5.png" in page and "事项5" in page and "第5次研判" in page


def test_outsider_still_refused(client, org, dispute_type, centre_staff, village_mediator, outsider):
    case = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    client.force_login(outsider)
    assert client.get(reverse("web:case_detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("web:case_action_fields", args=[case.pk, "update_risk"])).status_code == 404
    assert client.get(reverse("mediation:fields", args=[case.pk, "session"])).status_code == 404
    assert client.get(reverse("agreements:fields", args=[case.pk, "draft"])).status_code == 404


def test_forms_come_when_opened_and_without_javascript(client, org, dispute_type, centre_staff, village_mediator):
    case = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    client.force_login(village_mediator)
    url = reverse("web:case_detail", args=[case.pk])
    page = client.get(url).content.decode()
    # the forms are there, posting to their actions, but without their fields
    assert f'action="/cases/{case.pk}/act/update_risk/"' in page and 'name="risk_grade"' not in page
    assert 'hx-trigger="toggle once"' in page and f"{url}?open=update_risk#action-update_risk" in page
    # a closed form that uploads files still posts as multipart, and shows its title
    evidence = page[page.index('id="action-m-evidence"') :]
    assert evidence[: evidence.index(">")].endswith('enctype="multipart/form-data"') and "上传证据材料" in page
    # htmx fetches the fields of the one opened
    fields = client.get(reverse("web:case_action_fields", args=[case.pk, "update_risk"])).content.decode()
    assert 'name="risk_grade"' in fields and "确认" in fields
    assert client.get(reverse("web:case_action_fields", args=[case.pk, "archive"])).status_code == 404
    assert 'name="starts_at"' in client.get(reverse("mediation:fields", args=[case.pk, "session"])).content.decode()
    assert 'name="items-0-what"' in client.get(reverse("agreements:fields", args=[case.pk, "draft"])).content.decode()
    # without JavaScript the link reloads the page with that form filled out and open
    page = client.get(url + "?open=update_risk").content.decode()
    assert '<details class="action action-update_risk" open>' in page and 'name="risk_grade"' in page
    page = client.get(url + "?open=m-session").content.decode()
    assert '<details class="action action-m-session" open>' in page and 'name="starts_at"' in page


def test_timeline_shows_the_latest_events_and_the_whole_history_on_request(
    client, org, dispute_type, centre_staff, village_mediator, monkeypatch
):
    from jiefen.web import views

    monkeypatch.setattr(views, "TIMELINE_LATEST", 5)
    case = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=3)
    total = case.events.count()
    client.force_login(centre_staff)
    url = reverse("web:case_detail", args=[case.pk])
    page = client.get(url).content.decode()
    assert page.count('class="event event-') == 5
    assert "第2次研判" in page and "第0次研判" not in page  # the latest, not the oldest
    assert f'href="{url}?timeline=all"' in page and f"显示全部 {total} 条记录" in page
    page = client.get(url + "?timeline=all").content.decode()
    assert page.count('class="event event-') == total and "第0次研判" in page and "?timeline=all" not in page


def test_counselling_form_comes_when_opened(client, org, dispute_type, centre_staff, village_mediator, outsider):
    case = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    client.force_login(village_mediator)
    url = reverse("web:case_detail", args=[case.pk])
    fields_url = reverse("prevention:referral_fields", args=[case.pk])
    page = client.get(url).content.decode()
    assert f'hx-get="{fields_url}"' in page and 'name="room"' not in page
    assert f"{url}?open=counselling#action-counselling" in page
    assert 'name="room"' in client.get(fields_url).content.decode()
    assert 'name="room"' in client.get(url + "?open=counselling").content.decode()
    client.force_login(outsider)
    assert client.get(fields_url).status_code == 404
