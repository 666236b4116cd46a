"""The assessment pages per persona: the review queue, an incident's page with its log and
forms, appeals, a unit's and a leader's page, the cards overview and its XLSX export."""

import io
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiefen.assessment.models import AppealStatus, Card, Incident, IncidentAppeal, IncidentKind, IncidentStatus
from jiefen.assessment.services import incident_confirm
from jiefen.organisation.models import Role

from .conftest import PASSWORD, _user

pytestmark = pytest.mark.django_db


def login(client, user):
    client.logout()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def new_incident(unit, n=1, **extra):
    return Incident.objects.create(
        kind=extra.pop("kind", IncidentKind.TASK_MISSED), unit=unit, stage=f"web:{n}", detected_on=date(2026, 3, 1 + n % 28),
        assessment_year=2026, evidence={"task_number": f"督办-{n}", "title": "专人跟踪"}, **extra,
    )


@pytest.fixture
def liaison(org):
    return _user("liaison", "联系领导己", (Role.LIAISON_LEADER, None, org.village))


@pytest.fixture
def east(org):
    return new_incident(org.village_room, 1)


@pytest.fixture
def west(org):
    return new_incident(org.other_village_room, 2)


def queue(client, **params):
    return client.get(reverse("assessment:incident_list"), params)


# ---------------------------------------------------------------- the queue


def test_reviewers_see_the_pending_queue_with_review_buttons(client, centre_staff, east, west):
    page = queue(login(client, centre_staff)).content.decode()
    assert f"#{east.pk}" in page and f"#{west.pk}" in page
    assert reverse("assessment:incident_confirm", args=[east.pk]) in page
    assert "督办-1" in page  # the evidence is shown


def test_a_mediator_sees_only_their_villages_incidents_and_no_review(client, village_mediator, east, west):
    page = queue(login(client, village_mediator)).content.decode()
    assert f"#{east.pk} " in page and f"#{west.pk} " not in page
    assert "incident_confirm" not in page and reverse("assessment:incident_confirm", args=[east.pk]) not in page


@pytest.mark.parametrize("persona", ["outsider", "grid_worker"])
def test_outsiders_are_refused_the_queue(request, client, persona, east):
    response = queue(login(client, request.getfixturevalue(persona)))
    assert response.status_code == 403


def test_the_queue_filters_and_pages(client, centre_staff, org):
    rows = [new_incident(org.village_room if n % 2 else org.other_village_room, n) for n in range(1, 40)]
    rows[0].status = IncidentStatus.CONFIRMED
    rows[0].save()
    client = login(client, centre_staff)
    first = queue(client, status="")
    page = first.content.decode()
    assert page.count('class="incident-head"') == 30
    nxt = first.context["next_before"]
    assert nxt == rows[9].pk
    second = queue(client, status="", before=nxt).content.decode()
    assert second.count('class="incident-head"') == 9
    confirmed = queue(client, status="confirmed").content.decode()
    assert confirmed.count('class="incident-head"') == 1
    village = queue(client, status="", village=org.other_village.pk)
    assert all(i.unit == org.other_village_room for i in village.context["incidents"])
    assert queue(client, status="", kind=IncidentKind.RECURRENCE).context["incidents"] == []


def test_confirm_from_the_queue_with_htmx_redraws_the_row(client, centre_staff, east):
    response = login(client, centre_staff).post(
        reverse("assessment:incident_confirm", args=[east.pk]), {"expected_version": 1, "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    assert f'id="incident-{east.pk}"' in response.content.decode() and "已确认" in response.content.decode()
    east.refresh_from_db()
    assert east.status == IncidentStatus.CONFIRMED


def test_void_without_reason_is_refused_beside_the_form(client, centre_staff, east):
    response = login(client, centre_staff).post(reverse("assessment:incident_void", args=[east.pk]), {"expected_version": 1, "reason": ""})
    assert response.status_code == 400
    east.refresh_from_db()
    assert east.status == IncidentStatus.PENDING


def test_a_stale_confirmation_answers_409(client, centre_staff, leader, east):
    from jiefen.assessment.services import incident_void

    incident_void(actor=leader, incident_id=east.pk, reason="重复")
    response = login(client, centre_staff).post(reverse("assessment:incident_confirm", args=[east.pk]), {"expected_version": 1})
    assert response.status_code == 409
    assert "领导戊" in response.content.decode()


def test_a_mediator_posting_a_review_gets_403(client, village_mediator, east):
    response = login(client, village_mediator).post(reverse("assessment:incident_confirm", args=[east.pk]), {"expected_version": 1})
    assert response.status_code == 403
    east.refresh_from_db()
    assert east.status == IncidentStatus.PENDING


# ---------------------------------------------------------------- the incident page


def test_incident_page_per_persona(client, centre_staff, leader, village_mediator, other_village_mediator, outsider, east):
    url = reverse("assessment:incident_detail", args=[east.pk])
    assert login(client, centre_staff).get(url).status_code == 200
    assert login(client, leader).get(url).status_code == 200
    page = login(client, village_mediator).get(url)
    assert page.status_code == 200 and reverse("assessment:incident_appeal", args=[east.pk]) in page.content.decode()
    assert login(client, other_village_mediator).get(url).status_code == 404
    assert login(client, outsider).get(url).status_code == 404


def test_the_unit_appeals_through_the_page_and_the_reviewer_decides(client, village_mediator, centre_staff, east, liaison):
    incident_confirm(actor=centre_staff, incident_id=east.pk)
    url = reverse("assessment:incident_appeal", args=[east.pk])
    assert login(client, village_mediator).post(url, {"reason": "任务已按期办结，系录入延误"}).status_code == 302
    appeal = IncidentAppeal.objects.get(incident=east)

    page = login(client, centre_staff).get(reverse("assessment:appeal_list")).content.decode()
    assert "任务已按期办结" in page and reverse("assessment:appeal_decide", args=[appeal.pk]) in page
    assert login(client, village_mediator).post(
        reverse("assessment:appeal_decide", args=[appeal.pk]), {"granted": "1", "reason": "自批"}
    ).status_code == 403
    response = login(client, centre_staff).post(reverse("assessment:appeal_decide", args=[appeal.pk]), {"granted": "1", "reason": "经核实录入延误"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    east.refresh_from_db()
    assert (appeal.status, east.status) == (AppealStatus.GRANTED, IncidentStatus.VOID)
    assert not Card.objects.filter(withdrawn_at__isnull=True).exists()
    page = login(client, village_mediator).get(reverse("assessment:incident_detail", args=[east.pk])).content.decode()
    assert "申诉成立" in page and "撤牌" in page


def test_staff_record_an_incident_by_hand(client, centre_staff, village_mediator, org, make_case):
    case = make_case()
    url = reverse("assessment:incident_new")
    assert login(client, village_mediator).get(url).status_code == 403
    client = login(client, centre_staff)
    assert client.get(url).status_code == 200
    response = client.post(url, {
        "kind": IncidentKind.MISSED_BY_SCREENING, "unit": org.village_room.pk, "case_number": case.number,
        "detected_on": "2026-03-05", "description": "排查未发现，当事人到派出所报警。",
    })
    assert response.status_code == 302
    incident = Incident.objects.get(kind=IncidentKind.MISSED_BY_SCREENING)
    assert (incident.case, incident.unit, incident.status) == (case, org.village_room, IncidentStatus.PENDING)
    bad = client.post(url, {"kind": IncidentKind.MISSED_BY_SCREENING, "unit": org.village_room.pk, "case_number": "无此编号", "detected_on": "2026-03-05", "description": "x"})
    assert bad.status_code == 400


# ---------------------------------------------------------------- holders and cards


def test_unit_and_leader_pages(client, centre_staff, leader, village_mediator, other_village_mediator, outsider, liaison, org, east):
    incident_confirm(actor=centre_staff, incident_id=east.pk)
    unit_url = reverse("assessment:unit_detail", args=[org.village_room.pk]) + "?year=2026"
    page = login(client, village_mediator).get(unit_url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "黄牌" in text and "联系领导己" in text and f"#{east.pk}" in text
    assert login(client, leader).get(unit_url).status_code == 200
    assert login(client, other_village_mediator).get(unit_url).status_code == 404
    assert login(client, outsider).get(unit_url).status_code == 404

    leader_url = reverse("assessment:leader_detail", args=[liaison.person.pk]) + "?year=2026"
    assert "黄牌" in login(client, liaison).get(leader_url).content.decode()
    assert login(client, centre_staff).get(leader_url).status_code == 200
    assert login(client, other_village_mediator).get(leader_url).status_code == 404


def test_cards_overview_and_export(client, centre_staff, village_mediator, liaison, org):
    incidents = [new_incident(org.village_room, n) for n in (1, 2, 3)] + [new_incident(org.other_village_room, 4)]
    for incident in incidents:
        incident_confirm(actor=centre_staff, incident_id=incident.pk)
    client = login(client, centre_staff)
    page = client.get(reverse("assessment:card_list"), {"year": 2026})
    assert page.status_code == 200
    groups = {g["colour"]: [c.holder_name for c in g["cards"]] for g in page.context["groups"]}
    assert groups["black"] == ["东村小马调解室", "联系领导己"]
    assert groups["yellow"] == ["东村小马调解室", "西村小马调解室", "联系领导己"]

    response = client.get(reverse("assessment:card_export"), {"year": 2026})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=4) if row[0].value]
    assert sheet.cell(row=1, column=1).value == "2026年度三色牌（警示牌）一览"
    assert [(r[1], r[2], r[3], r[5]) for r in rows] == [
        ("黑牌", "东村小马调解室", "单位", 3),
        ("黑牌", "联系领导己", "联系领导", 3),
        ("红牌", "东村小马调解室", "单位", 3),
        ("红牌", "联系领导己", "联系领导", 3),
        ("黄牌", "东村小马调解室", "单位", 3),
        ("黄牌", "西村小马调解室", "单位", 1),
        ("黄牌", "联系领导己", "联系领导", 3),
    ]
    assert rows[0][4] == "东村"

    assert login(client, village_mediator).get(reverse("assessment:card_list")).status_code == 403
    assert login(client, village_mediator).get(reverse("assessment:card_export")).status_code == 403


def test_a_refused_htmx_review_answers_beside_the_row(client, centre_staff, east):
    response = login(client, centre_staff).post(
        reverse("assessment:incident_void", args=[east.pk]), {"expected_version": 1, "reason": ""}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 400 and 'class="error"' in response.content.decode()


def test_admin_screens_open_for_a_superuser(client, east, centre_staff):
    from django.contrib.auth import get_user_model

    incident_confirm(actor=centre_staff, incident_id=east.pk)
    root = get_user_model().objects.create_superuser(username="root", password=PASSWORD)
    client = login(client, root)
    for model in ("incident", "incidentevent", "incidentappeal", "cardpolicy", "card"):
        assert client.get(reverse(f"admin:assessment_{model}_changelist")).status_code == 200, model
    assert client.get(reverse("admin:assessment_incident_change", args=[east.pk])).status_code == 200
    assert client.get(reverse("admin:assessment_incident_add")).status_code == 403
