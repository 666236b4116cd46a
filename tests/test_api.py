"""The REST API's contract: every endpoint for every persona (status codes and visibility as
in the UI), masking, intake through the same validation, transitions through the same
service with the version check, the bilingual error body, throttling."""

import json
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jiefen.api.services import api_token_create
from jiefen.audit.models import AccessKind, CaseAccess
from jiefen.cases.models import Case, CaseEvent, CaseState, EventKind
from jiefen.reports import indicators as ind
from jiefen.reports.periods import MONTH, period_containing

from .casework import act, register, walk
from .conftest import VALID_ID

pytestmark = pytest.mark.django_db

PERSONAS = [
    "grid_worker",
    "village_mediator",
    "other_village_mediator",
    "subdistrict_mediator",
    "centre_staff",
    "leader",
    "outsider",
    "anonymous",
]
# Who sees a case the grid worker reported in the east village (the UI's rule).
SEES_EAST = {"grid_worker", "village_mediator", "subdistrict_mediator", "centre_staff", "leader"}
# Who may act on it while it sits with the east village's mediation room.
HANDLES_EAST = {"village_mediator", "centre_staff"}
ENGLISH = re.compile(r"^[\x20-\x7e]+$")


@pytest.fixture(autouse=True)
def fresh_throttle(settings):
    # Token ids repeat between tests (rolled-back rows), and the throttle counts by token id.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def persona(request):
    """The user of a persona by name; None for anonymous."""

    def get(name):
        return None if name == "anonymous" else request.getfixturevalue(name)

    return get


def api(user) -> Client:
    client = Client()
    if user is not None:
        _token, key = api_token_create(user=user, name="测试")
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
    return client


def post(client, path, data):
    return client.post(path, data=json.dumps(data), content_type="application/json")


def assert_error(response, status, code):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    error = response.json()["error"]
    assert error["code"] == code
    assert error["message"] and error["message_en"]
    assert isinstance(error["fields"], dict)
    return error


@pytest.fixture
def east(make_case):
    return make_case()


@pytest.fixture
def west(make_case, org, centre_staff):
    return make_case(actor=centre_staff, village=org.other_village, grid=org.other_grid, title="西村土地纠纷")


def case_url(case, name="case_detail"):
    return reverse(f"api:{name}", args=[case.pk])


# ---------------------------------------------------------------- reading a case


SUBRESOURCES = ["case_detail", "case_transitions", "case_parties", "case_events", "case_sessions", "case_agreements", "case_documents"]


@pytest.mark.parametrize("name", PERSONAS)
def test_every_read_endpoint_follows_the_ui_visibility_rule(east, persona, name):
    client = api(persona(name))
    for endpoint in SUBRESOURCES:
        response = client.get(case_url(east, endpoint))
        if name == "anonymous":
            assert_error(response, 401, "not_authenticated")
            assert response["WWW-Authenticate"].startswith("Token")
        elif name in SEES_EAST:
            assert response.status_code == 200, (endpoint, response.content)
        else:
            assert_error(response, 404, "not_found")


def test_the_detail_masks_identity_and_phone_numbers(east, village_mediator):
    data = api(village_mediator).get(case_url(east)).json()
    assert data["number"] == east.number
    assert data["state"] == CaseState.REGISTERED
    assert data["version"] == east.version
    applicant = next(p for p in data["parties"] if p["role"] == "applicant")
    assert applicant["id_number"] == "1101**********002X"
    assert applicant["phone"] == "138****8000"
    assert VALID_ID not in json.dumps(data, ensure_ascii=False)
    parties = api(village_mediator).get(case_url(east, "case_parties")).json()["results"]
    assert {p["phone"] for p in parties} == {"138****8000", "139****9000"}


def test_reading_personal_data_is_logged_like_the_case_page(east, leader):
    client = api(leader)
    client.get(case_url(east))
    client.get(case_url(east, "case_parties"))
    client.get(case_url(east, "case_events"))
    access = list(CaseAccess.objects.filter(case=east, user=leader).order_by("id"))
    assert [a.kind for a in access] == [AccessKind.API, AccessKind.API]
    assert access[0].detail == case_url(east)


def test_the_events_read_like_the_timeline(east, centre_staff):
    act(east, "accept", centre_staff)
    rows = api(centre_staff).get(case_url(east, "case_events")).json()["results"]
    assert [row["kind"] for row in rows] == [EventKind.CREATED, EventKind.ROUTED, EventKind.TRANSITION]
    accepted = rows[-1]
    assert (accepted["action"], accepted["from_state"], accepted["to_state"]) == ("accept", "registered", "accepted")
    assert accepted["title"] == "受理"
    assert accepted["actor"] == "综治中心丁"
    assert any("调解期限至" in line for line in accepted["details"])


# ---------------------------------------------------------------- the list


@pytest.mark.parametrize("name", PERSONAS)
def test_the_list_shows_each_persona_what_the_ui_list_shows(east, west, persona, name):
    response = api(persona(name)).get(reverse("api:case_list"))
    if name == "anonymous":
        assert_error(response, 401, "not_authenticated")
        return
    assert response.status_code == 200
    numbers = {row["number"] for row in response.json()["results"]}
    expected = set()
    if name in SEES_EAST:
        expected.add(east.number)
    if name in {"other_village_mediator", "subdistrict_mediator", "centre_staff", "leader"}:
        expected.add(west.number)
    assert numbers == expected


def test_the_list_pages_by_cursor_and_filters_like_the_ui(make_case, centre_staff, org):
    cases = [make_case(title=f"纠纷{i}") for i in range(5)]
    client = api(centre_staff)
    first = client.get(reverse("api:case_list"), {"limit": 2, "q": "纠纷"}).json()
    assert [row["id"] for row in first["results"]] == [cases[4].pk, cases[3].pk]
    assert first["next_cursor"] == cases[3].pk
    second = client.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == [cases[2].pk, cases[1].pk]
    last = client.get(reverse("api:case_list"), {"limit": 2, "q": "纠纷", "after": cases[1].pk}).json()
    assert [row["id"] for row in last["results"]] == [cases[0].pk]
    assert last["next_cursor"] is None and last["next"] is None
    filtered = client.get(reverse("api:case_list"), {"village": org.other_village.pk}).json()
    assert filtered["results"] == []
    by_state = client.get(reverse("api:case_list"), {"state": "open", "overdue": "false"}).json()
    assert len(by_state["results"]) == 5


def test_a_bad_filter_names_the_field_in_both_languages(east, centre_staff):
    response = api(centre_staff).get(reverse("api:case_list"), {"state": "nonsense", "created_from": "2026-13-45", "limit": 0})
    error = assert_error(response, 400, "validation_error")
    state = error["fields"]["state"][0]
    assert state["code"] == "invalid_choice"
    assert state["message"] == "没有“nonsense”这个状态，请从列表中选择。"
    assert ENGLISH.match(state["message_en"]) and "nonsense" in state["message_en"]
    assert error["fields"]["created_from"][0]["message"].startswith("日期格式应为")
    assert ENGLISH.match(error["fields"]["created_from"][0]["message_en"])
    assert error["fields"]["limit"][0]["code"] == "min_value"
    assert ENGLISH.match(error["fields"]["limit"][0]["message_en"])
    assert error["message"] != error["message_en"]


# ---------------------------------------------------------------- intake


def intake(org, dispute_type, **overrides):
    data = {
        "title": "邻里排水纠纷",
        "description": "两户因排水沟堵塞发生争执。",
        "dispute_type": dispute_type.pk,
        "channel": "grid_screening",
        "village": org.village.pk,
        "grid": org.grid.pk,
        "address": "东村3组12号",
        "risk_grade": "blue",
        "complexity": "ordinary",
        "parties": [
            {"role": "applicant", "name": "王五", "id_number": VALID_ID, "phone": "13700137000"},
            {"role": "respondent", "name": "赵六"},
        ],
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("name", PERSONAS)
def test_who_may_register_a_case(org, dispute_type, persona, name):
    response = post(api(persona(name)), reverse("api:case_list"), intake(org, dispute_type))
    if name == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif name in {"leader", "outsider"}:
        error = assert_error(response, 403, "permission_denied")
        assert error["message"] == "您没有登记矛盾纠纷的权限。"
    elif name == "other_village_mediator":
        # The east village is not one they may register in: the intake form's own refusal.
        error = assert_error(response, 400, "validation_error")
        assert error["fields"]["village"][0]["code"] == "invalid_choice"
    else:
        assert response.status_code == 201, response.content
    assert Case.objects.count() == (1 if name in {"grid_worker", "village_mediator", "subdistrict_mediator", "centre_staff"} else 0)


def test_registration_answers_201_with_location_and_logs_the_events(org, dispute_type, grid_worker):
    response = post(api(grid_worker), reverse("api:case_list"), intake(org, dispute_type))
    assert response.status_code == 201
    case = Case.objects.get()
    assert response["Location"] == f"http://testserver{case_url(case)}"
    data = response.json()
    assert data["number"] == case.number and data["state"] == "registered"
    assert data["parties"][0]["id_number"] == "1101**********002X"
    events = CaseEvent.objects.filter(case=case).order_by("id")
    assert [(e.kind, e.actor_id) for e in events] == [(EventKind.CREATED, grid_worker.pk), (EventKind.ROUTED, grid_worker.pk)]
    assert case.parties.get(role="applicant").id_number == VALID_ID


def test_bad_intake_names_the_fields_in_both_languages(org, dispute_type, grid_worker):
    bad_id = VALID_ID[:-1] + "1"
    data = intake(org, dispute_type, title="")
    data["parties"][0]["id_number"] = bad_id
    data["parties"][1]["phone"] = "12345"
    response = post(api(grid_worker), reverse("api:case_list"), data)
    error = assert_error(response, 400, "validation_error")
    assert set(error["fields"]) == {"title"}  # types first: the serializer stops before the forms
    title = error["fields"]["title"][0]
    assert title["code"] == "blank"
    assert title["message"] == "该字段不能为空。" and title["message_en"] == "This field may not be blank."

    data["title"] = "邻里排水纠纷"
    error = assert_error(post(api(grid_worker), reverse("api:case_list"), data), 400, "validation_error")
    assert set(error["fields"]) == {"parties[0].id_number", "parties[1].phone"}
    id_error = error["fields"]["parties[0].id_number"][0]
    assert "校验码" in id_error["message"] or "身份证" in id_error["message"]
    assert ENGLISH.match(id_error["message_en"]), id_error
    assert ENGLISH.match(error["fields"]["parties[1].phone"][0]["message_en"])
    assert not Case.objects.exists()


def test_missing_parties_and_wrong_types_are_refused(org, dispute_type, grid_worker):
    data = intake(org, dispute_type, parties=[], people_involved="many", is_group="perhaps")
    error = assert_error(post(api(grid_worker), reverse("api:case_list"), data), 400, "validation_error")
    assert {"parties", "people_involved", "is_group"} <= set(error["fields"])
    assert all(ENGLISH.match(e["message_en"]) for rows in error["fields"].values() for e in rows)


def test_a_possible_duplicate_must_be_confirmed(org, dispute_type, grid_worker, make_case):
    earlier = make_case(parties=[{"role": "applicant", "name": "王五", "id_number": VALID_ID}])
    client = api(grid_worker)
    error = assert_error(post(client, reverse("api:case_list"), intake(org, dispute_type)), 400, "possible_duplicate")
    assert "confirm_duplicate" in error["fields"]
    assert error["details"]["duplicates"] == [{"id": earlier.pk, "number": earlier.number, "title": earlier.title}]
    response = post(client, reverse("api:case_list"), intake(org, dispute_type, confirm_duplicate=True))
    assert response.status_code == 201


def test_only_centre_staff_may_override_routing(org, dispute_type, grid_worker, centre_staff):
    data = intake(org, dispute_type, routing_unit=org.subdistrict_committee.pk, routing_reason="涉及多方")
    assert_error(post(api(grid_worker), reverse("api:case_list"), data), 403, "permission_denied")
    response = post(api(centre_staff), reverse("api:case_list"), data)
    assert response.status_code == 201, response.content
    assert response.json()["assigned_unit"]["id"] == org.subdistrict_committee.pk
    case = Case.objects.get()
    assert case.events.filter(kind=EventKind.ROUTING_OVERRIDE, reason="涉及多方").exists()


# ---------------------------------------------------------------- transitions


@pytest.mark.parametrize("name", PERSONAS)
def test_who_may_take_a_step(east, persona, name):
    client = api(persona(name))
    listed = client.get(case_url(east, "case_transitions"))
    response = post(client, case_url(east, "case_transitions"), {"action": "accept", "expected_version": east.version})
    east.refresh_from_db()
    if name == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif name not in SEES_EAST:
        assert_error(response, 404, "not_found")
        assert_error(listed, 404, "not_found")
    elif name in HANDLES_EAST:
        assert response.status_code == 200, response.content
        assert response.json()["state"] == "accepted"
        assert [a["action"] for a in listed.json()["actions"]] == ["accept", "reject"]
        event = east.events.get(kind=EventKind.TRANSITION)
        assert (event.action, event.actor_id) == ("accept", persona(name).pk)
    else:
        error = assert_error(response, 403, "permission_denied")
        assert error["message"] == "您无权办理该案件。"
        assert ENGLISH.match(error["message_en"])
        assert listed.json()["actions"] == []
    assert east.state == ("accepted" if name in HANDLES_EAST else "registered")


def test_a_stale_version_is_a_conflict_and_changes_nothing(east, centre_staff, village_mediator):
    stale = east.version
    act(east, "accept", village_mediator)
    before = CaseEvent.objects.filter(case=east).count()
    response = post(api(centre_staff), case_url(east, "case_transitions"), {"action": "reject", "expected_version": stale, "reason": "x", "pointed_to": "法院"})
    error = assert_error(response, 409, "conflict")
    assert "村调解员乙" in error["message"]
    east.refresh_from_db()
    assert east.state == "accepted"
    assert CaseEvent.objects.filter(case=east).count() == before


def test_an_illegal_step_is_a_conflict_naming_the_legal_ones(east, centre_staff):
    response = post(api(centre_staff), case_url(east, "case_transitions"), {"action": "archive", "expected_version": east.version})
    error = assert_error(response, 409, "illegal_transition")
    assert "受理" in error["message"]
    assert ENGLISH.match(error["message_en"]), error["message_en"]


def test_a_step_missing_its_reason_names_the_field(east, centre_staff):
    response = post(api(centre_staff), case_url(east, "case_transitions"), {"action": "reject", "expected_version": east.version})
    error = assert_error(response, 400, "validation_error")
    assert set(error["fields"]) == {"reason"}
    assert ENGLISH.match(error["fields"]["reason"][0]["message_en"]), error
    unknown = post(api(centre_staff), case_url(east, "case_transitions"), {"action": "fly", "expected_version": 0})
    assert assert_error(unknown, 400, "validation_error")["fields"]["action"][0]["code"] == "invalid_choice"


def test_assigning_a_mediator_goes_through_the_action_form(east, centre_staff, village_mediator, other_village_mediator):
    east = act(east, "accept", centre_staff)
    client = api(centre_staff)
    actions = client.get(case_url(east, "case_transitions")).json()["actions"]
    assign = next(a for a in actions if a["action"] == "assign")
    mediator_field = next(f for f in assign["fields"] if f["name"] == "mediator")
    assert {c["value"] for c in mediator_field["choices"]} == {str(village_mediator.pk)}
    wrong = post(client, case_url(east, "case_transitions"), {"action": "assign", "expected_version": east.version, "mediator": other_village_mediator.pk})
    assert assert_error(wrong, 400, "validation_error")["fields"]["mediator"][0]["code"] == "invalid_choice"
    right = post(client, case_url(east, "case_transitions"), {"action": "assign", "expected_version": east.version, "mediator": village_mediator.pk})
    assert right.status_code == 200
    assert right.json()["mediator"] == {"id": village_mediator.pk, "name": "村调解员乙"}


# ---------------------------------------------------------------- records of mediation


def test_sessions_and_agreements_of_a_mediated_case(org, dispute_type, centre_staff, village_mediator, leader):
    case = walk(register(org, dispute_type, centre_staff), CaseState.AGREED, staff=centre_staff, mediator=village_mediator)
    client = api(leader)
    agreements = client.get(case_url(case, "case_agreements")).json()["results"]
    assert len(agreements) == 1
    agreement = agreements[0]
    assert agreement["form"] == "written" and agreement["effective_at"]
    assert agreement["items"] and agreement["signatures"]
    assert agreement["confirmation"] is None
    sessions = client.get(case_url(case, "case_sessions")).json()["results"]
    assert isinstance(sessions, list)
    documents = client.get(case_url(case, "case_documents")).json()
    kinds = {d["kind"] for d in documents["documents"]}
    assert {"acceptance", "rights_notice", "agreement"} <= kinds
    assert documents["may_download"] is True


# ---------------------------------------------------------------- documents


@pytest.fixture
def accepted(east, centre_staff):
    return act(east, "accept", centre_staff)


def document_url(case, kind, fmt):
    return reverse("api:case_document", kwargs={"pk": case.pk, "kind": kind, "fmt": fmt})


@pytest.mark.parametrize("name", PERSONAS)
def test_who_may_download_a_document(accepted, persona, name):
    response = api(persona(name)).get(document_url(accepted, "acceptance", "docx"))
    if name == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif name not in SEES_EAST:
        assert_error(response, 404, "not_found")
    elif name == "grid_worker":
        error = assert_error(response, 403, "permission_denied")
        assert "身份证号码" in error["message"]
    else:
        assert response.status_code == 200
        assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        content = b"".join(response.streaming_content)
        assert content.startswith(b"PK")
        assert "attachment" in response["Content-Disposition"]
        assert response["Cache-Control"] == "private, no-store"
        assert CaseAccess.objects.filter(case=accepted, kind=AccessKind.DOCUMENT, detail="acceptance.docx").exists()


def test_unknown_documents_and_formats_are_json_404s(accepted, centre_staff):
    client = api(centre_staff)
    assert_error(client.get(document_url(accepted, "acceptance", "txt")), 404, "not_found")
    assert_error(client.get(document_url(accepted, "no_such_kind", "pdf")), 404, "document_unavailable")
    assert_error(client.get(document_url(accepted, "agreement", "docx")), 404, "document_unavailable")
    # A client asking for a PDF still gets its refusal as JSON.
    refused = client.get(document_url(accepted, "agreement", "docx"), HTTP_ACCEPT="application/pdf")
    assert_error(refused, 404, "document_unavailable")


def test_the_document_list_links_to_api_downloads(accepted, grid_worker):
    data = api(grid_worker).get(case_url(accepted, "case_documents")).json()
    assert data["may_download"] is False
    acceptance = next(d for d in data["documents"] if d["kind"] == "acceptance")
    assert acceptance["downloads"]["docx"] == document_url(accepted, "acceptance", "docx")
    assert data["dossier"] == case_url(accepted, "case_dossier")


# ---------------------------------------------------------------- statistics


@pytest.mark.parametrize("name", PERSONAS)
def test_who_sees_statistics(east, persona, name):
    response = api(persona(name)).get(reverse("api:statistics"))
    if name == "anonymous":
        assert_error(response, 401, "not_authenticated")
    elif name in {"grid_worker", "outsider"}:
        assert_error(response, 403, "permission_denied")
    else:
        assert response.status_code == 200, response.content


def test_statistics_are_the_dashboard_numbers(east, west, centre_staff):
    act(east, "accept", centre_staff)
    data = api(centre_staff).get(reverse("api:statistics")).json()
    period = period_containing(MONTH, timezone.localdate())
    expected = ind.summary(Case.objects.all(), period)
    assert data["period"]["code"] == period.code
    assert data["summary"]["new_cases"] == expected.new_cases == 2
    assert data["summary"]["open_at_end"] == expected.open_at_end
    assert data["summary"]["success_rate"] == {"numerator": 0, "denominator": 0, "value": None, "percent": "—"}
    villages = {row["label"]: row["new_cases"] for row in data["breakdowns"]["village"]}
    assert villages == {"东村": 1, "西村": 1}
    assert len(data["trend"]) == 12


def test_a_bad_period_names_the_field(centre_staff):
    response = api(centre_staff).get(reverse("api:statistics"), {"period": "soon", "tier": 9})
    error = assert_error(response, 400, "validation_error")
    assert {"period", "tier"} <= set(error["fields"])


# ---------------------------------------------------------------- the error body and the edges


def test_unknown_api_paths_answer_a_json_404(centre_staff):
    client = api(centre_staff)
    for path in ("/api/nothing/", "/api/v2/cases/", "/api/v1/cases/-1/"):
        error = assert_error(client.get(path), 404, "not_found")
        assert ENGLISH.match(error["message_en"])
        assert error["details"] == {"docs": "/api/docs/"}
    assert_error(client.get(reverse("api:case_detail", args=[10**12])), 404, "not_found")
    assert_error(post(client, "/api/v1/cases", {}), 404, "not_found")
    # A GET that only lacks the trailing slash is redirected, as everywhere on the site.
    redirected = client.get("/api/v1/cases?state=open")
    assert redirected.status_code == 301 and redirected["Location"] == "/api/v1/cases/?state=open"


def test_drf_messages_come_in_both_languages(centre_staff):
    client = api(centre_staff)
    error = assert_error(client.put(reverse("api:case_list"), "{}", content_type="application/json"), 405, "method_not_allowed")
    assert error["message"] == "方法 “PUT” 不被允许。"
    assert error["message_en"] == 'Method "PUT" not allowed.'
    error = assert_error(client.post(reverse("api:case_list"), "{", content_type="application/json"), 400, "parse_error")
    assert error["message_en"] == "Malformed request."
    error = assert_error(client.post(reverse("api:case_list"), "a=b", content_type="application/x-www-form-urlencoded"), 415, "unsupported_media_type")
    assert ENGLISH.match(error["message_en"])


def test_the_language_cookie_does_not_change_the_api(east, centre_staff):
    client = api(centre_staff)
    client.cookies["django_language"] = "en"
    data = client.get(case_url(east)).json()
    assert data["state_display"] == "登记"
    error = client.get(reverse("api:case_detail", args=[east.pk + 1000])).json()["error"]
    assert (error["message"], error["message_en"]) == ("未找到。", "Not found.")


def test_token_clients_are_throttled_and_browsers_are_not(settings, east, centre_staff):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api_token": "3/min"}}
    client = api(centre_staff)
    for _ in range(3):
        assert client.get(case_url(east)).status_code == 200
    response = client.get(case_url(east))
    error = assert_error(response, 429, "throttled")
    assert int(response["Retry-After"]) > 0
    assert ENGLISH.match(error["message_en"])
    browser = Client()
    browser.force_login(centre_staff)
    assert all(browser.get(case_url(east)).status_code == 200 for _ in range(5))


def test_token_last_use_is_written_at_most_once_a_minute(east, centre_staff):
    token, key = api_token_create(user=centre_staff, name="脚本")
    client = Client(HTTP_AUTHORIZATION=f"Token {key}")
    client.get(case_url(east))
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    client.get(case_url(east))
    token.refresh_from_db()
    assert token.last_used_at == first
    type(token).objects.filter(pk=token.pk).update(last_used_at=first - timedelta(minutes=2))
    client.get(case_url(east))
    token.refresh_from_db()
    assert token.last_used_at > first - timedelta(minutes=2)


def test_the_dossier_downloads_as_one_pdf(accepted, centre_staff, grid_worker):
    response = api(centre_staff).get(case_url(accepted, "case_dossier"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert CaseAccess.objects.filter(case=accepted, kind=AccessKind.DOSSIER, user=centre_staff).exists()
    assert_error(api(grid_worker).get(case_url(accepted, "case_dossier")), 403, "permission_denied")


def test_rendered_chinese_messages_find_their_english():
    from jiefen.api.messages import english_of

    assert english_of("您无权办理该案件。") != "您无权办理该案件。"
    # A message formatted by a service: matched against the catalogue's pattern, with what
    # filled the placeholders translated too (state and action names).
    text = "案件当前状态为“登记”，不能执行“归档”。当前可执行的操作：受理、不予受理。"
    english = english_of(text)
    assert ENGLISH.match(english), english
    # DRF's own message rendered in Chinese goes back to DRF's English.
    assert english_of("该字段是必填项。") == "This field is required."
    # Nothing known: the text stays as it is until it is translated.
    assert english_of("尚未翻译的新句子。") == "尚未翻译的新句子。"


def test_a_path_with_a_newline_gets_the_json_404(client, centre_staff):
    client.force_login(centre_staff)
    response = client.get("/api/v1/cases/2/documents/x%0Ay.pdf")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_choice_labels_are_the_models_display_in_either_language():
    """The serializers' *_display fields read a choice list indexed once: the same label as
    get_<field>_display for every choice (and an unknown value as itself)."""
    from django.utils import translation

    from jiefen.api import serializers as s
    from jiefen.cases.models import Party
    from jiefen.mediation.models import Agreement, Session

    checked = 0
    for serializer in (s.PartySerializer(), s.CaseDetailSerializer(), s.SessionSerializer(), s.AgreementSerializer()):
        model = {s.PartySerializer: Party, s.CaseDetailSerializer: Case, s.SessionSerializer: Session, s.AgreementSerializer: Agreement}[type(serializer)]
        for name, field in serializer.fields.items():
            if not isinstance(field, s.ChoiceLabelField):
                continue
            model_field = model._meta.get_field(field.source)
            for value in [value for value, _label in model_field.flatchoices] + ["unknown"]:
                instance = model(**{model_field.attname: value})
                for language in ("zh-hans", "en"):
                    with translation.override(language):
                        assert field.get_attribute(instance) == getattr(instance, f"get_{field.source}_display")(), (name, value)
                        checked += 1
    assert checked > 50
