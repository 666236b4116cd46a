"""The web forms fuzzed: Hypothesis sends each main form arbitrary text (any Unicode, control
characters and NUL, emoji, right-to-left marks, very long strings), numbers out of range,
malformed dates, missing and duplicated fields, as the persona who may use it. No answer may
be a server error; a refusal is a 4xx (or the form again, with its errors); what a form accepts
is stored exactly as sent, less the surrounding whitespace the form trims.

Deterministic (derandomize) and bounded; every example runs in a savepoint that is rolled back,
so examples do not see each other's records. The REST API is fuzzed from its own document in
test_api_schema.py; Open311 is not in that document, so it is fuzzed here."""

import re
from datetime import date, timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from jiefen.cases.models import Case, CaseState
from jiefen.discovery.models import FieldVisit
from jiefen.mediation.models import Agreement, Record
from jiefen.meetings.models import Meeting, MeetingKind
from jiefen.meetings.services import meeting_schedule_period
from jiefen.open311.models import Open311Request
from jiefen.open311.services import open311_client_create
from jiefen.organisation.models import Person, Role

from .casework import intake_post, walk
from .conftest import PASSWORD, _user

pytestmark = pytest.mark.django_db

EXAMPLES = 15
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)

# ---------------------------------------------------------------- what is sent

ODD = [
    "\x00", "a\x00b", "\x01\x02", "\x0b", "\x1b[31m", "\x7f", "\u202e反向\u202c", "\u200f", "\u200b", "\ufeff",
    "😀👨‍👩‍👧", "𠀀𪚥", "\u3000", " \t ", "\r\n", "\n\n\n", "'; DROP TABLE cases_case; --", "<script>alert(1)</script>",
    "{{ 7*7 }}", "%s%n", "\\", "null", "NaN", "Ω≈ç√", "ﷺ", "Z̤͔ͧ̑̓", "=1+1", "纠" * 300,
]
TEXT = st.one_of(
    st.text(max_size=40),  # any Unicode but surrogates, control characters included
    st.text(st.characters(codec="utf-8", categories=["L", "M", "N", "P", "S", "Zs"]), min_size=1, max_size=40),
    st.sampled_from(ODD),
    st.lists(st.sampled_from(ODD), min_size=2, max_size=4).map("".join),
    st.integers(0, 6000).map(lambda n: "长" * n),
)
NUMBER = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.sampled_from(["", "-1", "0", "1e309", "NaN", "inf", "-0", "1.5", "１２", "٣", "0x10", " 3 ", "9" * 40, "1,000"]),
)
DAY = st.one_of(
    st.dates(date(1, 1, 1), date(9999, 12, 31)).map(date.isoformat),
    st.sampled_from(["", "2026-02-30", "0000-00-00", "2026-13-01", "10000-01-01", "昨天", "2026/3/16", "-1", "2026-03-16T25:61"]),
)
MOMENT = st.one_of(
    DAY,
    st.datetimes().map(lambda d: d.strftime("%Y-%m-%dT%H:%M")),
    st.sampled_from(["2026-03-16T24:00", "2026-03-16 09:00:99", "T09:00", "9999-12-31T23:59"]),
)


def mutated(base: dict, values: dict):
    """Strategy: `base` with some fields replaced by `values[field]`, some removed and some
    sent twice (a duplicated field: the form reads the last)."""
    names = sorted(values)

    @st.composite
    def build(draw):
        data = dict(base)
        for name in draw(st.lists(st.sampled_from(names), unique=True, max_size=len(names))):
            data[name] = draw(values[name])
        for name in draw(st.lists(st.sampled_from(sorted(data)), unique=True, max_size=2)):
            del data[name]
        for name in draw(st.lists(st.sampled_from(sorted(data) or ["x"]), unique=True, max_size=2)):
            if name in data:
                data[name] = [draw(values.get(name, TEXT)), data[name]]
        return data

    return build()


def sent(data, name):
    """What the form reads for `name`: the last value sent."""
    value = data.get(name, "")
    return value[-1] if isinstance(value, list) else value


def run_examples(base, values, check, *, accepted=(302,)):
    """Every example in a savepoint rolled back afterwards; `check` returns the response. The
    unchanged valid form is always among the examples, and some generated ones must be
    accepted too, or the comparison of what was saved would never run."""
    statuses = []

    @given(data=mutated(base, values))
    @example(data=dict(base))
    @FUZZ
    def run(data):
        cache.clear()  # throttles and lockouts count in the cache; each example starts afresh
        with transaction.atomic():
            statuses.append(check(data).status_code)
            transaction.set_rollback(True)

    run()
    assert any(status in accepted for status in statuses), statuses
    assert any(status not in accepted for status in statuses), statuses


def no_server_error(response):
    assert response.status_code < 500, response.content[:500]
    return response


# ---------------------------------------------------------------- case intake


TEXT_FIELDS = ["title", "description", "address", "parties-0-name", "parties-0-address"]


def test_intake(client, org, dispute_type, grid_worker):
    client.force_login(grid_worker)
    base = intake_post(org, dispute_type)
    values = {name: TEXT for name in TEXT_FIELDS}
    values.update(
        {
            "people_involved": NUMBER,
            "amount_in_dispute": NUMBER,
            "latitude": NUMBER,
            "longitude": NUMBER,
            "parties-0-id_number": TEXT,
            "parties-0-phone": TEXT,
            "parties-TOTAL_FORMS": NUMBER,
            "village": NUMBER,
            "risk_grade": TEXT,
        }
    )

    def check(data):
        response = no_server_error(client.post(reverse("web:case_new"), data))
        if response.status_code == 302:
            case = Case.objects.get()
            party = case.parties.order_by("id").first()
            assert case.title == sent(data, "title").strip()
            assert case.description == sent(data, "description").strip()
            assert case.address == sent(data, "address").strip()
            assert party.name == sent(data, "parties-0-name").strip()
            assert party.address == sent(data, "parties-0-address").strip()
            assert client.get(reverse("web:case_detail", args=[case.pk])).status_code == 200
        else:
            assert response.status_code in (400, 403)
            assert not Case.objects.exists()
        return response

    run_examples(base, values, check)


# ---------------------------------------------------------------- a lifecycle step with a reason


def test_rejecting_a_case(client, make_case, centre_staff):
    case = make_case()
    client.force_login(centre_staff)
    base = {"expected_version": str(case.version), "reason": "不属于受理范围", "pointed_to": "向人民法院起诉"}

    def check(data):
        response = no_server_error(client.post(reverse("web:case_act", args=[case.pk, "reject"]), data))
        fresh = Case.objects.get(pk=case.pk)
        if fresh.state == CaseState.REJECTED:
            assert fresh.rejection_pointed_to == sent(data, "pointed_to").strip()
            assert fresh.events.latest("id").reason == sent(data, "reason").strip()
        else:
            assert response.status_code in (200, 302, 400, 403, 409)
        return response

    run_examples(base, {"reason": TEXT, "pointed_to": TEXT, "expected_version": NUMBER}, check)


# ---------------------------------------------------------------- the mediation panel


@pytest.fixture
def mediating(make_case, centre_staff, village_mediator):
    return walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)


def test_a_mediation_record(client, mediating, village_mediator):
    client.force_login(village_mediator)
    held = timezone.localtime(timezone.now() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    base = {"kind": "investigation", "session": "", "held_at": held, "place": "东村3组", "participants": "张三、李四", "statements": "现场查看。", "result": ""}
    values = {name: TEXT for name in ("place", "participants", "statements", "result", "kind")}
    values.update({"held_at": MOMENT, "session": NUMBER})

    def check(data):
        response = no_server_error(client.post(reverse("mediation:act", args=[mediating.pk, "record"]), data))
        if response.status_code == 302:
            record = Record.objects.get()
            for name in ("place", "participants", "statements", "result"):
                assert getattr(record, name) == sent(data, name).strip(), name
        else:
            assert response.status_code == 400
            assert not Record.objects.exists()
        return response

    run_examples(base, values, check)


def test_an_agreement_draft(client, mediating, village_mediator):
    client.force_login(village_mediator)
    applicant, respondent = mediating.parties.order_by("id")
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    base = {
        "form": "written",
        "facts": "两户因排水沟堵塞发生争执。",
        "matters_in_dispute": "排水沟疏通。",
        "responsibilities": "李四负主要责任。",
        "terms": "李四疏通排水沟。",
        "items-0-what": "疏通排水沟",
        "items-0-obligor_party_id": str(respondent.pk),
        "items-0-how": "自行雇工",
        "items-0-due_date": due,
        "items-0-place": "东村3组12号",
    }
    texts = ("facts", "matters_in_dispute", "responsibilities", "terms", "items-0-what", "items-0-how", "items-0-place")
    values = {name: TEXT for name in texts}
    values.update({"items-0-due_date": DAY, "items-0-obligor_party_id": NUMBER, "form": TEXT})

    def check(data):
        response = no_server_error(client.post(reverse("agreements:act", args=[mediating.pk, "draft"]), data))
        if response.status_code == 302:
            agreement = Agreement.objects.get()
            for name in ("facts", "matters_in_dispute", "responsibilities", "terms"):
                assert getattr(agreement, name) == sent(data, name).strip(), name
        else:
            assert response.status_code == 400
            assert not Agreement.objects.exists()
        return response

    run_examples(base, values, check)


# ---------------------------------------------------------------- meetings, discovery, screening


def test_meeting_minutes(client, org):
    commissioner = _user("zfwy", "政法委员己", (Role.POLITICAL_LEGAL_COMMISSIONER, org.centre, None))
    meeting_schedule_period(today=date(2026, 3, 16))
    meeting = Meeting.objects.get(kind=MeetingKind.CONSULTATION, period_start=date(2026, 3, 16))
    me = Person.objects.get(user=commissioner)
    client.force_login(commissioner)
    base = {"held_at": "2026-03-16T09:00", "location": "会商室", "chair": str(me.pk), "notes": "逐案研究。", "expected_version": str(meeting.version), f"p{me.pk}": "present"}
    values = {"held_at": MOMENT, "location": TEXT, "notes": TEXT, "chair": NUMBER, f"p{me.pk}": TEXT, "expected_version": NUMBER}

    def check(data):
        response = no_server_error(client.post(f"/meetings/{meeting.pk}/minutes/", data))
        fresh = Meeting.objects.get(pk=meeting.pk)
        if response.status_code == 302 and fresh.is_held:
            assert fresh.location == sent(data, "location").strip()
            assert fresh.notes == sent(data, "notes").strip()
        else:
            assert response.status_code in (200, 302, 400, 403, 409)
        return response

    run_examples(base, values, check)


def test_a_field_visit(client, org, grid_worker):
    client.force_login(grid_worker)
    now = timezone.localtime(timezone.now())
    base = {
        "kind": "patrol", "village": str(org.village.pk), "grid": str(org.grid.pk), "compound": "", "address": "东村主干道",
        "route": "村委会—3组", "started_at": (now - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "ended_at": (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"), "other_participants": "民警小李",
        "households_visited": "8", "issues_found": "0", "findings": "未发现矛盾纠纷。", "case_numbers": "",
    }
    values = {name: TEXT for name in ("address", "route", "other_participants", "findings", "case_numbers", "kind")}
    values.update({name: NUMBER for name in ("households_visited", "issues_found", "village", "grid")})
    values.update({"started_at": MOMENT, "ended_at": MOMENT})

    def check(data):
        response = no_server_error(client.post(reverse("discovery:field_new"), data))
        if response.status_code == 302:
            visit = FieldVisit.objects.get()
            for name in ("address", "route", "other_participants", "findings"):
                assert getattr(visit, name) == sent(data, name).strip(), name
        else:
            assert response.status_code in (400, 403)
            assert not FieldVisit.objects.exists()
        return response

    run_examples(base, values, check)


def test_a_screening_tally(client, org, grid_worker, centre_staff):
    from jiefen.screening.models import CampaignGrid, ScreeningTally
    from jiefen.screening.services import campaign_create

    today = timezone.localdate()
    campaign = campaign_create(
        actor=centre_staff, subdistrict=org.subdistrict, name="本月大走访", start_date=today - timedelta(days=5),
        end_date=today + timedelta(days=20), default_target=100,
    )
    own = CampaignGrid.objects.get(campaign=campaign, grid=org.grid)
    client.force_login(grid_worker)
    base = {"campaign_grid": str(own.pk), "day": today.isoformat(), "households_visited": "25", "disputes_found": "1", "note": ""}
    values = {"campaign_grid": NUMBER, "day": DAY, "households_visited": NUMBER, "disputes_found": NUMBER, "note": TEXT}

    def check(data):
        response = no_server_error(client.post(reverse("screening:tally_new"), data))
        if response.status_code == 302 and ScreeningTally.objects.exists():
            tally = ScreeningTally.objects.get()
            assert tally.note == sent(data, "note").strip()
            assert tally.households_visited == int(sent(data, "households_visited"))
        else:
            assert response.status_code in (302, 400, 403)
        return response

    run_examples(base, values, check)


# ---------------------------------------------------------------- the public side


def test_the_citizen_progress_lookup(client, make_case):
    case = make_case()
    base = {"number": case.number, "phone": "13800138000"}

    def check(data):
        response = no_server_error(client.post(reverse("citizen:lookup"), data, REMOTE_ADDR="10.0.0.1"))
        assert response.status_code in (200, 302, 400, 429)
        if response.status_code == 302:
            assert sent(data, "number").strip().upper() == case.number.upper() or case.number in sent(data, "number")
        client.post(reverse("citizen:forget"))
        return response

    run_examples(base, {"number": TEXT, "phone": TEXT}, check)


def test_open311_post(client, org):
    open311_client_create(name="测试热线", subdistrict=org.subdistrict, key="fuzz-key-0001")
    base = {
        "api_key": "fuzz-key-0001", "service_code": "neighbour", "address_string": "东村3组12号", "description": "楼上深夜噪音。",
        "first_name": "三", "last_name": "张", "phone": "13800138000", "email": "zs@example.com", "lat": "", "long": "",
    }
    values = {name: TEXT for name in ("service_code", "address_string", "description", "first_name", "last_name", "phone", "email")}
    values.update({"lat": NUMBER, "long": NUMBER})

    def check(data):
        response = no_server_error(client.post("/open311/v2/requests.json", data))
        assert response["Content-Type"].startswith("application/json")
        if response.status_code == 200:
            received = Open311Request.objects.get()
            assert received.case.description.startswith(sent(data, "description").strip()[:50])
        else:
            assert 400 <= response.status_code < 500
            assert not Open311Request.objects.exists()
        return response

    run_examples(base, values, check, accepted=(200,))


def test_login(client, centre_staff):
    base = {"username": centre_staff.username, "password": PASSWORD}

    def check(data):
        response = no_server_error(client.post(reverse("login"), data))
        assert response.status_code in (200, 302, 400, 403, 429)
        client.logout()
        return response

    run_examples(base, {"username": TEXT, "password": TEXT}, check)


# ---------------------------------------------------------------- control characters, explicitly


@pytest.mark.parametrize("text", ["a\x00b", "a\x01b", "\x1b[31m红", "a\x7fb", "\ufffe"], ids=["nul", "soh", "escape", "del", "non-character"])
def test_control_characters_are_refused_with_a_chinese_message(client, org, dispute_type, grid_worker, text):
    client.force_login(grid_worker)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, title=f"纠纷{text}"))
    assert response.status_code == 400
    assert "不可见的控制字符" in response.content.decode()
    assert not Case.objects.exists()


def test_tabs_and_line_breaks_are_ordinary_text(client, org, dispute_type, grid_worker):
    client.force_login(grid_worker)
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, description="第一行\r\n第二行\t完"))
    assert response.status_code == 302
    assert Case.objects.get().description == "第一行\r\n第二行\t完"


def test_the_api_and_open311_refuse_control_characters_in_their_own_format(client, org, centre_staff):
    import json

    from jiefen.api.services import api_token_create

    _token, key = api_token_create(user=centre_staff, name="fuzz")
    response = client.post(
        "/api/v1/cases/", json.dumps({"title": "a\u0001b", "parties": [{"name": "张三\u0000"}]}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Token {key}",
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "control_characters" and "控制字符" in error["message"] and error["message_en"]
    assert set(error["fields"]) == {"title"}
    open311_client_create(name="测试热线", subdistrict=org.subdistrict, key="fuzz-key-0002")
    response = client.post("/open311/v2/requests.xml", {"api_key": "fuzz-key-0002", "service_code": "neighbour", "description": "噪音\x08"})
    assert response.status_code == 400 and response["Content-Type"].startswith("text/xml")
    assert "控制字符" in response.content.decode()
    assert not Open311Request.objects.exists() and not Case.objects.exists()


def test_a_control_character_in_a_search_is_a_400_not_a_database_error(client, grid_worker):
    client.force_login(grid_worker)
    assert client.get(reverse("web:case_list"), {"q": "张\x00三"}).status_code == 400


# ---------------------------------------------------------------- every form on a page

FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
ACTION = re.compile(r'action="([^"]*)"')
FIELD = re.compile(r'<(?:input|select|textarea)\b[^>]*\bname="([^"]+)"', re.I)
SKIPPED_ACTIONS = ("/logout/", "/i18n/")
ANY_VALUE = st.one_of(TEXT, NUMBER, DAY, MOMENT)


def post_forms_of(html: str, page: str) -> dict:
    """{action: [field names]} of the POST forms on a page (no action: the page itself)."""
    forms = {}
    for attributes, inner in FORM.findall(html):
        if 'method="post"' not in attributes.lower():
            continue
        found = ACTION.search(attributes)
        action = (unescape(found.group(1)) if found else "") or page
        if not action.startswith("/") or action.startswith(SKIPPED_ACTIONS):
            continue
        names = sorted({unescape(n) for n in FIELD.findall(inner)} - {"csrfmiddlewaretoken"})
        forms.setdefault(action, set()).update(names)
    return {action: sorted(names) for action, names in forms.items()}


def garbage_for(names):
    return st.fixed_dictionaries({}, optional={name: st.one_of(ANY_VALUE, st.lists(ANY_VALUE, min_size=2, max_size=2)) for name in names})


def sweep(client, pages, *, examples=3):
    """Garbage into every POST form found on `pages`; returns the actions tried."""
    forms = {}
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        for action, names in post_forms_of(response.content.decode(), page).items():
            forms.setdefault(action, set()).update(names)
    def fuzz(action, names):
        @given(data=garbage_for(names))
        @settings(FUZZ, max_examples=examples)
        def run(data):
            cache.clear()
            with transaction.atomic():
                response = client.post(action, data)
                assert response.status_code < 500, (action, data, response.content[:300])
                transaction.set_rollback(True)

        run()

    for action, names in sorted(forms.items()):
        fuzz(action, sorted(names))
    return set(forms)


def test_every_form_of_a_case_in_mediation_survives_garbage(client, mediating, village_mediator):
    client.force_login(village_mediator)
    due = (timezone.localdate() + timedelta(days=7)).isoformat()
    respondent = mediating.parties.order_by("id").last()
    response = client.post(
        reverse("agreements:act", args=[mediating.pk, "draft"]),
        {"form": "written", "facts": "事实。", "matters_in_dispute": "争议。", "responsibilities": "责任。", "terms": "条款。",
         "items-0-what": "疏通", "items-0-obligor_party_id": str(respondent.pk), "items-0-how": "自行", "items-0-due_date": due, "items-0-place": "东村"},
    )
    assert response.status_code == 302
    tried = sweep(client, [reverse("web:case_detail", args=[mediating.pk])], examples=2)
    assert any("/mediation/record/" in action for action in tried)
    assert any("/agreements/sign/" in action for action in tried)
    assert any("/act/" in action for action in tried)


def test_every_form_of_the_staff_pages_survives_garbage(client, org, centre_staff):
    client.force_login(centre_staff)
    pages = [
        reverse("assessment:incident_new"),
        reverse("prevention:activity_new"),
        reverse("screening:campaign_new"),
        reverse("discovery:rota"),
        reverse("discovery:field_new"),
        reverse("account_security"),
    ]
    tried = sweep(client, pages, examples=5)
    assert len(tried) >= 5, tried


def test_open311_queries(client, org, make_case):
    """Open311 is not in the OpenAPI document Schemathesis reads, so its GET parameters are fuzzed here."""
    open311_client_create(name="测试热线", subdistrict=org.subdistrict, key="fuzz-key-0003")
    case = make_case()
    params = {
        name: st.one_of(ANY_VALUE, st.just(value))
        for name, value in {
            "jurisdiction_id": org.subdistrict.code, "service_request_id": case.number, "service_code": "neighbour",
            "start_date": "2026-01-01T00:00:00+08:00", "end_date": "2026-12-31T00:00:00Z", "status": "open", "api_key": "fuzz-key-0003",
        }.items()
    }
    paths = st.sampled_from([
        "/open311/v2/requests.json", "/open311/v2/requests.xml", "/open311/v2/services.json", "/open311/v2/services/neighbour.xml",
        f"/open311/v2/requests/{case.number}.json", "/open311/v2/requests/%00.json", "/open311/v2/tokens/x.json", "/open311/discovery.json",
    ])

    @given(path=paths, query=st.fixed_dictionaries({}, optional=params))
    @settings(FUZZ, max_examples=30)
    def run(path, query):
        cache.clear()
        response = client.get(path, query)
        assert response.status_code < 500, (path, query, response.content[:300])

    run()


def test_a_twenty_digit_id_in_a_multiple_choice_is_a_form_error(client, mediating, village_mediator):
    client.force_login(village_mediator)
    response = client.post(
        reverse("mediation:act", args=[mediating.pk, "notice"]),
        {"parties": ["99999999999999999999", "-99999999999999999999"], "served_at": "2026-03-16T09:00", "method": "written"},
    )
    assert response.status_code == 400


def test_a_nul_in_the_path_is_a_400_not_a_database_error(client, org):
    """PostgreSQL refuses NUL in text: an Open311 request id taken from the path was a 500 there."""
    response = client.get("/open311/v2/requests/%00.json")
    assert response.status_code == 400
    assert "控制字符" in response.json()[0]["description"]
