"""The discovery pages: who sees and records what, opening a case from an entry through the
intake form, the export's masked phones, and list pages whose query count does not grow."""

import csv
import io
from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case, Channel
from jiefen.discovery.models import DiscoveryEvent, DiscoveryEventKind, FieldVisit, FieldVisitKind, ReceptionSlot, ReceptionVisit
from jiefen.discovery.services import field_visit_record, reception_slot_create, reception_visit_record
from jiefen.organisation.models import Person

from .casework import intake_post

pytestmark = pytest.mark.django_db


def local(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def slot(org, centre_staff, leader):
    return reception_slot_create(
        actor=centre_staff,
        subdistrict=org.subdistrict,
        leader=Person.objects.get(user=leader),
        date=timezone.localdate(),
        start_time=time(9),
        end_time=time(11),
        place="综治中心接待室",
    )


@pytest.fixture
def visitor(slot, centre_staff, org):
    return reception_visit_record(
        slot_id=slot.pk,
        actor=centre_staff,
        visitor_name="王大妈",
        phone="13800138000",
        visitors_count=2,
        village=org.village,
        address="东村3组",
        matter="邻居占用公共通道堆放杂物，多次协商未果。",
        handling="当场联系村委会。",
    )


def patrol(actor, village, **kwargs):
    now = timezone.now()
    data = {
        "kind": FieldVisitKind.PATROL,
        "village": village,
        "started_at": now - timedelta(hours=3),
        "ended_at": now - timedelta(hours=2),
        "findings": "巡逻发现两户因排水沟堵塞争吵。",
        "address": "东村3组12号",
        "households_visited": 5,
        "issues_found": 1,
    }
    data.update(kwargs)
    return field_visit_record(actor=actor, **data)


@pytest.fixture
def east_patrol(org, grid_worker):
    return patrol(grid_worker, org.village, grid=org.grid)


@pytest.fixture
def west_patrol(org, centre_staff):
    return patrol(centre_staff, org.other_village, findings="西村巡逻未发现矛盾纠纷。")


# ---------------------------------------------------------------- pages per persona


@pytest.mark.parametrize(
    "persona, status",
    [
        ("centre_staff", 200),
        ("leader", 200),
        ("subdistrict_mediator", 200),
        ("village_mediator", 200),
        ("grid_worker", 200),
        ("outsider", 403),
    ],
)
def test_home_shows_the_week_rota(client, request, slot, persona, status):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("discovery:home"))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert "领导戊" in page and "综治中心接待室" in page


def test_a_leader_sees_their_own_turns_first(client, slot, leader, centre_staff):
    client.force_login(leader)
    page = client.get(reverse("discovery:home")).content.decode()
    assert "我的接访安排" in page and reverse("discovery:slot_detail", args=[slot.pk]) in page
    client.force_login(centre_staff)
    assert "我的接访安排" not in client.get(reverse("discovery:home")).content.decode()


@pytest.mark.parametrize(
    "persona, east, west",
    [
        ("centre_staff", 200, 200),
        ("leader", 200, 200),
        ("grid_worker", 200, 404),
        ("village_mediator", 200, 404),
        ("other_village_mediator", 404, 200),
        ("outsider", 404, 404),
    ],
)
def test_field_visits_are_seen_in_their_village(client, request, east_patrol, west_patrol, persona, east, west):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("discovery:field_detail", args=[east_patrol.pk])).status_code == east
    assert client.get(reverse("discovery:field_detail", args=[west_patrol.pk])).status_code == west


def test_the_register_lists_only_visible_entries(client, village_mediator, east_patrol, west_patrol):
    client.force_login(village_mediator)
    page = client.get(reverse("discovery:register")).content.decode()
    assert reverse("discovery:field_detail", args=[east_patrol.pk]) in page
    assert reverse("discovery:field_detail", args=[west_patrol.pk]) not in page


def test_reception_visits_of_another_village_are_not_found(client, other_village_mediator, village_mediator, visitor):
    url = reverse("discovery:reception_detail", args=[visitor.pk])
    client.force_login(other_village_mediator)
    assert client.get(url).status_code == 404
    client.force_login(village_mediator)
    page = client.get(url).content.decode()
    assert "138****8000" in page and "13800138000" not in page


def test_a_grid_worker_records_a_patrol_from_the_phone_form(client, org, grid_worker):
    client.force_login(grid_worker)
    page = client.get(reverse("discovery:field_new")).content.decode()
    assert 'value="patrol"' in page and 'value="cadre_visit"' in page
    assert 'value="night_visit"' not in page and 'value="case_visit"' not in page
    now = timezone.now()
    response = client.post(
        reverse("discovery:field_new"),
        {
            "kind": "patrol",
            "village": org.village.pk,
            "grid": org.grid.pk,
            "compound": "",
            "address": "东村主干道",
            "route": "村委会—3组—5组",
            "started_at": local(now - timedelta(hours=2)),
            "ended_at": local(now - timedelta(hours=1)),
            "other_participants": "民警小李",
            "households_visited": "8",
            "issues_found": "0",
            "findings": "未发现矛盾纠纷。",
            "case_numbers": "",
        },
    )
    visit = FieldVisit.objects.get()
    assert response.status_code == 302 and response.url == reverse("discovery:field_detail", args=[visit.pk])
    assert visit.route == "村委会—3组—5组" and visit.recorded_by == grid_worker
    assert DiscoveryEvent.objects.get().kind == DiscoveryEventKind.FIELD_VISIT_RECORDED


def test_a_refused_field_visit_comes_back_on_its_form(client, org, grid_worker):
    client.force_login(grid_worker)
    now = timezone.now()
    response = client.post(
        reverse("discovery:field_new"),
        {
            "kind": "patrol",
            "village": org.village.pk,
            "grid": org.other_grid.pk,
            "started_at": local(now - timedelta(hours=2)),
            "ended_at": local(now - timedelta(hours=1)),
            "households_visited": "0",
            "issues_found": "0",
            "findings": "巡逻。",
        },
    )
    assert response.status_code == 400
    assert not FieldVisit.objects.exists()


def test_outsiders_cannot_record_field_visits(client, outsider):
    client.force_login(outsider)
    assert client.get(reverse("discovery:field_new")).status_code == 403


def test_staff_keep_the_rota_and_leaders_do_not(client, org, centre_staff, leader):
    leader_person = Person.objects.get(user=leader)
    data = {
        "leader": leader_person.pk,
        "date": (timezone.localdate() + timedelta(days=1)).isoformat(),
        "start_time": "09:00",
        "end_time": "11:30",
        "room": "",
        "place": "综治中心接待室",
        "note": "",
    }
    client.force_login(leader)
    assert client.post(reverse("discovery:rota"), data).status_code == 403
    client.force_login(centre_staff)
    assert client.post(reverse("discovery:rota"), data).status_code == 302
    response = client.post(reverse("discovery:rota"), {**data, "start_time": "10:00"})
    assert response.status_code == 400
    assert "时间不能重叠" in response.content.decode()
    assert ReceptionSlot.objects.count() == 1


def test_the_slot_leader_records_a_visitor_and_others_may_not(client, org, slot, leader, village_mediator, outsider):
    url = reverse("discovery:visitor_new", args=[slot.pk])
    data = {
        "visitor_name": "赵大爷",
        "phone": "13900139000",
        "visitors_count": "1",
        "village": org.village.pk,
        "address": "",
        "matter": "宅基地界址争议。",
        "handling": "",
        "outcome": "follow_up",
        "follow_up": "",
    }
    client.force_login(outsider)
    assert client.post(url, data).status_code == 404
    client.force_login(village_mediator)
    assert client.post(url, data).status_code == 403
    client.force_login(leader)
    response = client.post(url, data)
    visit = ReceptionVisit.objects.get()
    assert response.status_code == 302 and visit.recorded_by == leader
    assert DiscoveryEvent.objects.filter(kind=DiscoveryEventKind.VISITOR_RECORDED, reception_visit=visit).count() == 1


# ---------------------------------------------------------------- opening a case from an entry


def test_a_patrol_opens_a_case_through_the_intake_form(client, org, dispute_type, grid_worker, east_patrol):
    client.force_login(grid_worker)
    detail = client.get(reverse("discovery:field_detail", args=[east_patrol.pk])).content.decode()
    source_url = reverse("web:case_new") + f"?source=fieldvisit:{east_patrol.pk}"
    assert source_url in detail and "据此登记案件" in detail
    form = client.get(source_url).content.decode()
    assert 'value="patrol" selected' in form
    assert "巡逻发现两户因排水沟堵塞争吵。" in form
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, source=f"fieldvisit:{east_patrol.pk}", channel="patrol"))
    case = Case.objects.get()
    assert response.status_code == 302
    assert case.channel == Channel.PATROL
    assert list(east_patrol.opened_cases.all()) == [case]
    event = DiscoveryEvent.objects.get(kind=DiscoveryEventKind.CASE_OPENED)
    assert event.field_visit == east_patrol and event.data["case_number"] == case.number and event.actor == grid_worker
    detail = client.get(reverse("discovery:field_detail", args=[east_patrol.pk])).content.decode()
    assert reverse("web:case_detail", args=[case.pk]) in detail and case.number in detail
    # …and the case page names where it was found.
    page = client.get(reverse("web:case_detail", args=[case.pk])).content.decode()
    assert "发现来源" in page and reverse("discovery:field_detail", args=[east_patrol.pk]) in page


def test_a_reception_visit_opens_a_case_through_the_intake_form(client, org, dispute_type, centre_staff, visitor):
    client.force_login(centre_staff)
    source = f"reception:{visitor.pk}"
    form = client.get(reverse("web:case_new") + f"?source={source}").content.decode()
    assert 'value="leader_reception" selected' in form and "王大妈" in form
    response = client.post(reverse("web:case_new"), intake_post(org, dispute_type, source=source, channel="leader_reception"))
    assert response.status_code == 302
    case = Case.objects.get()
    visitor.refresh_from_db()
    assert case.channel == Channel.LEADER_RECEPTION and visitor.case == case
    detail = client.get(reverse("discovery:reception_detail", args=[visitor.pk])).content.decode()
    assert reverse("web:case_detail", args=[case.pk]) in detail
    assert "据此登记案件</a>" not in detail  # no second case from the same visitor
    # A second registration from the same visit is refused and leaves nothing behind.
    response = client.post(
        reverse("web:case_new"), intake_post(org, dispute_type, source=source, channel="leader_reception", title="重复登记", confirm_duplicate="on")
    )
    assert response.status_code == 400
    assert "请勿重复登记" in response.content.decode()
    assert Case.objects.count() == 1
    visitor.refresh_from_db()
    assert visitor.case == case
    assert DiscoveryEvent.objects.filter(kind=DiscoveryEventKind.CASE_OPENED).count() == 1


def test_a_case_found_elsewhere_has_no_discovery_panel(client, centre_staff, make_case):
    case = make_case()
    client.force_login(centre_staff)
    assert "发现来源" not in client.get(reverse("web:case_detail", args=[case.pk])).content.decode()


def test_a_case_with_another_channel_is_not_linked_and_not_registered(client, org, dispute_type, grid_worker, east_patrol):
    client.force_login(grid_worker)
    response = client.post(
        reverse("web:case_new"), intake_post(org, dispute_type, source=f"fieldvisit:{east_patrol.pk}", channel="grid_screening")
    )
    assert response.status_code == 400
    assert "来源渠道应为“治安巡逻”" in response.content.decode()
    assert not Case.objects.exists()
    assert not east_patrol.opened_cases.exists()
    assert not DiscoveryEvent.objects.filter(kind=DiscoveryEventKind.CASE_OPENED).exists()


def test_an_entry_of_another_village_cannot_open_a_case(client, other_village_mediator, east_patrol):
    client.force_login(other_village_mediator)
    response = client.get(reverse("web:case_new") + f"?source=fieldvisit:{east_patrol.pk}")
    assert response.status_code == 403


def test_a_case_visit_attaches_existing_visible_cases(client, org, centre_staff, make_case):
    case = make_case(title="带去下访的案件")
    visit = patrol(centre_staff, org.village, kind=FieldVisitKind.CASE_VISIT)
    client.force_login(centre_staff)
    url = reverse("discovery:field_attach", args=[visit.pk])
    response = client.post(url, {"case_numbers": "测试-2099-999999"})
    assert response.status_code == 400 and "找不到案件" in response.content.decode()
    response = client.post(url, {"case_numbers": case.number})
    assert response.status_code == 302
    assert list(visit.carried_cases.all()) == [case]
    assert DiscoveryEvent.objects.get(kind=DiscoveryEventKind.CASES_CARRIED).data["case_numbers"] == [case.number]


# ---------------------------------------------------------------- export, counts, query counts


def test_the_export_masks_phones(client, centre_staff, visitor):
    client.force_login(centre_staff)
    response = client.get(reverse("discovery:export", args=["csv"]) + "?kind=reception")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[1][2] == "王大妈" and rows[1][3] == "138****8000"
    assert "13800138000" not in text

    from openpyxl import load_workbook

    response = client.get(reverse("discovery:export", args=["xlsx"]) + "?kind=reception")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [cell for row in sheet.iter_rows(values_only=True) for cell in row]
    assert "138****8000" in values and "13800138000" not in values


def test_the_field_export_lists_visible_entries(client, village_mediator, east_patrol, west_patrol):
    client.force_login(village_mediator)
    text = client.get(reverse("discovery:export", args=["csv"])).content.decode("utf-8-sig")
    assert "巡逻发现两户" in text and "西村巡逻" not in text


def test_counts_per_village_and_kind(client, centre_staff, east_patrol, west_patrol, visitor):
    client.force_login(centre_staff)
    response = client.get(reverse("discovery:counts"))
    assert response.status_code == 200
    table = response.context["table"]
    by_village = {line["village"].name: line for line in table["lines"]}
    assert by_village["东村"]["entries"] == 2 and by_village["西村"]["entries"] == 1
    patrol_column = table["kinds"].index("patrol")
    assert table["totals"][patrol_column]["entries"] == 2 and table["totals"][patrol_column]["households"] == 10


def _many(org, centre_staff, slot, n):
    for index in range(n):
        patrol(centre_staff, org.village, findings=f"巡逻{index}")
        reception_visit_record(slot_id=slot.pk, actor=centre_staff, visitor_name=f"来访人{index}", matter="事项", village=org.village)


@pytest.mark.parametrize("kind", ["", "reception"])
def test_list_queries_do_not_grow_with_rows(client, org, centre_staff, slot, django_assert_max_num_queries, kind):
    client.force_login(centre_staff)
    _many(org, centre_staff, slot, 3)
    url = reverse("discovery:register") + f"?kind={kind}"
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200
    _many(org, centre_staff, slot, 30)
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert len(response.context["rows"]) == 25 and response.context["next_after"]
    with django_assert_max_num_queries(15):
        later = client.get(url + f"&after={response.context['next_after']}")
    assert len(later.context["rows"]) == 8
    assert not {r.pk for r in later.context["rows"]} & {r.pk for r in response.context["rows"]}


def test_home_queries_do_not_grow_with_rows(client, org, centre_staff, slot, django_assert_max_num_queries):
    client.force_login(centre_staff)
    _many(org, centre_staff, slot, 12)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("discovery:home")).status_code == 200


def test_the_register_filters_by_kind_and_case(client, org, centre_staff, make_case):
    client.force_login(centre_staff)
    night = patrol(centre_staff, org.village, kind=FieldVisitKind.NIGHT_VISIT, findings="夜访发现")
    plain = patrol(centre_staff, org.village, findings="巡逻无事")
    from jiefen.discovery.services import field_visit_link_case

    field_visit_link_case(visit_id=night.pk, case=make_case(channel=Channel.NIGHT_VISIT), actor=centre_staff)
    rows = client.get(reverse("discovery:register") + "?kind=night_visit").context["rows"]
    assert [r.pk for r in rows] == [night.pk]
    rows = client.get(reverse("discovery:register") + "?has_case=no").context["rows"]
    assert [r.pk for r in rows] == [plain.pk]
    response = client.get(reverse("discovery:register") + "?date_from=2026-02-02&date_to=2026-01-01")
    assert response.status_code == 400


def test_staff_move_and_cancel_a_slot_and_leaders_cannot(client, slot, centre_staff, leader):
    edit = reverse("discovery:slot_edit", args=[slot.pk])
    data = {
        "leader": slot.leader_id,
        "date": slot.date.isoformat(),
        "start_time": "14:00",
        "end_time": "16:00",
        "room": "",
        "place": "综治中心接待室",
        "note": "改到下午",
        "expected_version": "0",
    }
    client.force_login(leader)
    assert client.post(edit, data).status_code == 403
    assert "调整排班" not in client.get(reverse("discovery:slot_detail", args=[slot.pk])).content.decode()
    client.force_login(centre_staff)
    assert client.post(edit, data).status_code == 302
    slot.refresh_from_db()
    assert slot.start_time == time(14) and slot.note == "改到下午"
    # A stale form is refused as a conflict.
    assert client.post(edit, {**data, "start_time": "15:00"}).status_code == 409
    cancel = reverse("discovery:slot_cancel", args=[slot.pk])
    assert client.post(cancel, {"reason": "", "expected_version": "1"}).status_code == 400
    assert client.post(cancel, {"reason": "领导外出", "expected_version": "1"}).status_code == 302
    slot.refresh_from_db()
    assert slot.is_cancelled
    kinds = list(DiscoveryEvent.objects.filter(slot=slot).order_by("id").values_list("kind", flat=True))
    assert kinds == [DiscoveryEventKind.SLOT_CREATED, DiscoveryEventKind.SLOT_UPDATED, DiscoveryEventKind.SLOT_CANCELLED]


def test_the_recorder_corrects_a_field_visit(client, grid_worker, village_mediator, east_patrol):
    url = reverse("discovery:field_edit", args=[east_patrol.pk])
    client.force_login(village_mediator)
    assert client.get(url).status_code == 403
    client.force_login(grid_worker)
    form = client.get(url)
    assert form.status_code == 200
    initial = form.context["form"].initial
    data = {
        "grid": initial["grid"] or "",
        "compound": "",
        "address": initial["address"],
        "route": "",
        "started_at": local(initial["started_at"]),
        "ended_at": local(initial["ended_at"]),
        "other_participants": "",
        "households_visited": "9",
        "issues_found": "2",
        "findings": initial["findings"],
        "expected_version": str(initial["expected_version"]),
    }
    assert client.post(url, data).status_code == 302
    east_patrol.refresh_from_db()
    assert east_patrol.households_visited == 9 and east_patrol.issues_found == 2
    event = DiscoveryEvent.objects.get(kind=DiscoveryEventKind.FIELD_VISIT_UPDATED)
    assert event.data["changed"] == {"households_visited": "9", "issues_found": "2"}


def test_exported_text_never_becomes_a_formula(client, org, centre_staff):
    patrol(centre_staff, org.village, findings="=HYPERLINK(\"http://example.com\",\"点我\")")
    client.force_login(centre_staff)
    text = client.get(reverse("discovery:export", args=["csv"])).content.decode("utf-8-sig")
    assert "'=HYPERLINK" in text

    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(client.get(reverse("discovery:export", args=["xlsx"])).content)).active
    cell = next(c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value)
    assert cell.data_type == "s"
