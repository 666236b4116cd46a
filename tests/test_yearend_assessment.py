"""The year-end assessment (综合考核): default sheets, scores worked out by hand, card deductions
and eligibility, ranks with ties, the bonus cap, the frozen published assessment, who may do
what, and the bounded query count of computing.

The cases are historical-ledger cases (Case.imported), whose outcome and dates sit on the case
itself: the indicators read them exactly as they read lifecycle events (tests/test_indicators.py),
and a test can state a village's year in a few lines.

The hand-built year 2026 for the village sheet (default lines: 调解成功率 30 @ 0.90, 协议履行率
20 @ 0.95, 按期办结率 20 @ 0.95, 矛盾不上交率 20 @ 0.98, 排查发现 10 @ 5):

东村: 4 mediations concluded — 3 agreements, 1 termination; the 3 agreements were due in 2026,
      2 performed (archived); 3 cases archived, 2 on time, all 3 inside the subdistrict;
      all 4 found by grid screening; a yellow card on its 小马调解室; a bonus of 3.
      成功率 3/4: 30 × 0.75/0.90 = 25.00
      履行率 2/3: 20 × 0.6667/0.95 = 14.04
      按期率 2/3: 20 × 0.6667/0.95 = 14.04
      不上交 3/3: 20 × min(1/0.98, 1) = 20.00
      排查 4:     10 × 4/5 = 8.00          → 81.08 − 2 (yellow) + 3 (bonus) = 82.08
西村: 1 agreement, performed, archived on time inside; found on a party's application.
      30 + 20 + 20 + 20 + 0 = 90.00, volume 1
南村: nothing at all: every rate has nothing to divide → full weight; 排查 0 → 90.00, volume 0
Ranks: 西村 1, 南村 1 (same score; 西村 first for its volume), 东村 3.
"""

import itertools
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from jiefen.assessment import yearend
from jiefen.assessment.models import (
    AssessmentResult,
    BonusAward,
    Card,
    CardColour,
    Incident,
    IncidentKind,
    IncidentStatus,
    ScoreSheet,
    SheetStatus,
    SubjectKind,
)
from jiefen.assessment.yearend_models import AssessmentAction, AssessmentEvent
from jiefen.cases.models import AgreementForm, Case, CaseState, Channel
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.organisation.models import Area, AreaKind, Person, Role, RoleAssignment, Unit, UnitKind

SHANGHAI = ZoneInfo("Asia/Shanghai")
YEAR = 2026
_numbers = itertools.count(1)


def at(y, m, d):
    return datetime(y, m, d, 10, 0, tzinfo=SHANGHAI)


def ledger_case(org, dispute_type, reporter, *, village, unit, registered=(2026, 3, 1), channel=Channel.PARTY_APPLICATION,
                agreed=None, concluded=(2026, 4, 1), due=None, closed=None, on_time=True, inside=True):
    """A historical-ledger case: agreed=True/False for an agreement/termination, None for none."""
    state = CaseState.ARCHIVED if closed else (CaseState.MEDIATING if agreed is None else CaseState.AGREED if agreed else CaseState.TERMINATED)
    case = Case.objects.create(
        number=f"测试-{YEAR}-{next(_numbers):06d}",
        title="台账纠纷",
        description="历史台账导入。",
        dispute_type=dispute_type,
        channel=channel,
        subdistrict=org.subdistrict,
        village=village,
        address="测试地址",
        tier=2,
        assigned_unit=unit,
        reported_by=reporter,
        state=state,
        imported=True,
        concluded_at=at(*concluded) if agreed is not None else None,
        agreement_form=AgreementForm.WRITTEN if agreed else "",
        performance_due=date(*due) if due else None,
        closed_at=at(*closed) if closed else None,
        closed_within_limits=on_time if closed else None,
        closed_inside_subdistrict=inside if closed else None,
    )
    Case.objects.filter(pk=case.pk).update(created_at=at(*registered))
    return case


def card(colour, *, unit=None, leader=None, year=YEAR, withdrawn=False):
    incident_unit = unit or Unit.objects.filter(kind=UnitKind.GOVERNANCE_CENTRE).first()
    incident = Incident.objects.create(
        kind=IncidentKind.MISSED_LIMIT, unit=incident_unit, detected_on=date(year, 5, 1), assessment_year=year,
        status=IncidentStatus.CONFIRMED, liaison_leader=leader,
    )
    return Card.objects.create(
        assessment_year=year, colour=colour, unit=unit, leader=leader, incident=incident,
        withdrawn_at=at(year, 6, 1) if withdrawn else None,
    )


@pytest.fixture
def south(org):
    village = Area.objects.create(name="南村", kind=AreaKind.VILLAGE, parent=org.subdistrict, sort_order=3)
    committee = Unit.objects.create(name="南村调解委员会", kind=UnitKind.VILLAGE_MEDIATION_COMMITTEE, area=village)
    return village, committee


@pytest.fixture
def year_cases(org, dispute_type, grid_worker, south):
    east, west = org.village, org.other_village
    unit = org.village_committee
    screening = {"channel": Channel.GRID_SCREENING}
    ledger_case(org, dispute_type, grid_worker, village=east, unit=unit, agreed=True, due=(2026, 5, 1), closed=(2026, 6, 1), **screening)
    ledger_case(org, dispute_type, grid_worker, village=east, unit=unit, agreed=True, due=(2026, 5, 1), closed=(2026, 6, 1), on_time=False, **screening)
    ledger_case(org, dispute_type, grid_worker, village=east, unit=unit, agreed=True, due=(2026, 5, 1), **screening)
    ledger_case(org, dispute_type, grid_worker, village=east, unit=unit, agreed=False, closed=(2026, 6, 1), **screening)
    ledger_case(org, dispute_type, grid_worker, village=west, unit=org.other_village_committee, agreed=True, due=(2026, 5, 1), closed=(2026, 6, 1))
    # Outside the year: counts nowhere.
    ledger_case(org, dispute_type, grid_worker, village=west, unit=org.other_village_committee, registered=(2025, 3, 1),
                agreed=False, concluded=(2025, 4, 1), closed=(2025, 5, 1), **screening)


def village_sheet(actor, org):
    return yearend.score_sheet_create_default(actor, org.subdistrict, YEAR, SubjectKind.VILLAGE)


def results_by_name(sheet):
    return {r.subject_name: r for r in AssessmentResult.objects.filter(sheet=sheet)}


# ---------------------------------------------------------------- defaults


def test_default_sheets_have_lines_and_bonus_items_and_are_logged(org, centre_staff):
    for kind in SubjectKind.values:
        sheet = yearend.score_sheet_create_default(centre_staff, org.subdistrict, YEAR, kind)
        assert sheet.status == SheetStatus.DRAFT
        weights = sum(line.weight for line in sheet.indicators.all())
        assert weights == Decimal("100")
        assert sheet.bonus_items.count() == 2
        assert str(YEAR) in sheet.name
    codes = set(ScoreSheet.objects.get(subject_kind=SubjectKind.VILLAGE).indicators.values_list("indicator", flat=True))
    assert {"success_rate", "performance_rate", "on_time_rate", "not_handed_up_rate"} <= codes
    assert AssessmentEvent.objects.filter(action=AssessmentAction.CREATED, actor=centre_staff).count() == 3
    with pytest.raises(DomainError, match="已经建立"):
        village_sheet(centre_staff, org)


# ---------------------------------------------------------------- the hand-built example


def test_village_scores_worked_out_by_hand(org, centre_staff, year_cases, south):
    sheet = village_sheet(centre_staff, org)
    card(CardColour.YELLOW, unit=org.village_room)
    card(CardColour.RED, unit=org.village_room, withdrawn=True)  # withdrawn: no deduction
    card(CardColour.BLACK, unit=org.village_room, year=YEAR - 1)  # another year: no deduction
    item = sheet.bonus_items.first()
    yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.village_committee, points="3", reason="化解一起群体性纠纷")

    yearend.assessment_compute(centre_staff, sheet.pk)

    results = results_by_name(sheet)
    east, west, south_result = results["东村"], results["西村"], results["南村"]
    assert east.unit == org.village_committee
    lines = {line["indicator"]: line for line in east.breakdown["lines"]}
    assert lines["success_rate"]["points"] == "25.00"
    assert lines["success_rate"]["display"] == "75.0%（3/4）"
    assert lines["performance_rate"]["points"] == "14.04"
    assert lines["on_time_rate"]["points"] == "14.04"
    assert lines["not_handed_up_rate"]["points"] == "20.00"
    assert lines["screening_found"]["points"] == "8.00"
    assert lines["screening_found"]["value"] == "4.0000"
    assert east.breakdown["indicator_points"] == "81.08"
    assert east.breakdown["deductions"]["yellow"] == {"count": 1, "points": "2.00"}
    assert east.breakdown["deductions"]["red"]["count"] == 0
    assert east.breakdown["deductions"]["total"] == "2.00"
    assert [c["colour"] for c in east.breakdown["cards"]] == ["yellow"]
    assert east.breakdown["bonus_total"] == "3.00"
    assert east.breakdown["bonuses"][0]["reasons"] == ["化解一起群体性纠纷"]
    assert east.score == Decimal("82.08")
    assert east.eligible  # a yellow card does not cost eligibility under the default (black) rule
    assert east.breakdown["volume"] == 4

    assert west.score == Decimal("90.00") and west.breakdown["volume"] == 1
    assert south_result.score == Decimal("90.00") and south_result.breakdown["volume"] == 0
    south_lines = {line["indicator"]: line for line in south_result.breakdown["lines"]}
    assert south_lines["success_rate"]["value"] is None
    assert south_lines["success_rate"]["points"] == "30.00"
    assert "满分" in south_lines["success_rate"]["note"]

    # Ties share a place (1, 1, 3); the larger volume is listed first within the place.
    assert (west.rank, south_result.rank, east.rank) == (1, 1, 3)
    assert [r.subject_name for r in yearend.sheet_results(sheet)] == ["西村", "南村", "东村"]

    event = AssessmentEvent.objects.get(sheet=sheet, action=AssessmentAction.COMPUTED)
    assert event.actor == centre_staff and event.data["subjects"] == 3


def test_recomputing_a_draft_rewrites_the_results(org, centre_staff, year_cases, south, dispute_type, grid_worker):
    sheet = village_sheet(centre_staff, org)
    yearend.assessment_compute(centre_staff, sheet.pk)
    first_ids = set(AssessmentResult.objects.filter(sheet=sheet).values_list("id", flat=True))
    card(CardColour.RED, unit=org.other_village_committee)
    yearend.assessment_compute(centre_staff, sheet.pk)
    results = results_by_name(sheet)
    assert len(results) == 3 and not first_ids & {r.id for r in results.values()}
    assert results["西村"].score == Decimal("85.00")
    assert results["南村"].rank == 1 and results["西村"].rank == 2


def test_rank_rows_competition_style():
    rows = [
        {"score": Decimal("80"), "volume": 5, "order": 0},
        {"score": Decimal("90"), "volume": 1, "order": 1},
        {"score": Decimal("90"), "volume": 7, "order": 2},
        {"score": Decimal("70"), "volume": 0, "order": 3},
        {"score": Decimal("90"), "volume": 1, "order": 4},
    ]
    ranked = yearend.rank_rows(rows)
    assert [(r["order"], r["rank"]) for r in ranked] == [(2, 1), (1, 1), (4, 1), (0, 4), (3, 5)]


def test_line_points_rule():
    assert yearend.line_points(Decimal("30"), Decimal("0.9"), Decimal("0.75")) == Decimal("25.00")
    assert yearend.line_points(Decimal("20"), Decimal("0.98"), Decimal("1")) == Decimal("20.00")
    assert yearend.line_points(Decimal("10"), Decimal("5"), Decimal("12")) == Decimal("10.00")
    assert yearend.line_points(Decimal("10"), Decimal("5"), None) == Decimal("10.00")


# ---------------------------------------------------------------- cards and eligibility


def test_cards_deduct_by_colour_and_cost_eligibility(org, centre_staff, south):
    sheet = village_sheet(centre_staff, org)
    yearend.score_sheet_update(centre_staff, sheet.pk, ineligible_from=CardColour.RED, red_deduction="6")
    card(CardColour.YELLOW, unit=org.village_committee)
    card(CardColour.RED, unit=org.village_committee)
    card(CardColour.YELLOW, unit=org.other_village_room)
    yearend.assessment_compute(centre_staff, sheet.pk)
    results = results_by_name(sheet)
    east, west = results["东村"], results["西村"]
    assert east.breakdown["deductions"]["total"] == "8.00"
    assert east.score == Decimal("82.00")  # 90 full points for an empty year − 2 − 6
    assert not east.eligible
    assert "红牌" in east.breakdown["ineligible_reason"] and "东村调解委员会" in east.breakdown["ineligible_reason"]
    assert west.eligible and west.score == Decimal("88.00")
    assert results["南村"].eligible

    yearend.score_sheet_update(centre_staff, sheet.pk, ineligible_from="")
    yearend.assessment_compute(centre_staff, sheet.pk)
    assert results_by_name(sheet)["东村"].eligible
    update = AssessmentEvent.objects.filter(sheet=sheet, action=AssessmentAction.UPDATED).first()
    assert update.data["changes"]["ineligible_from"] == ["black", "red"]


def test_liaison_leaders_figures_cover_their_villages_and_their_own_cards(org, centre_staff, year_cases, south):
    person = Person.objects.create(name="联系领导甲")
    RoleAssignment.objects.create(person=person, role=Role.LIAISON_LEADER, area=org.village)
    RoleAssignment.objects.create(person=person, role=Role.LIAISON_LEADER, area=org.other_village)
    other = Person.objects.create(name="联系领导乙")
    RoleAssignment.objects.create(person=other, role=Role.LIAISON_LEADER, area=south[0])
    card(CardColour.BLACK, leader=person)
    card(CardColour.BLACK, unit=south[1])  # a unit's card is not the leader's

    sheet = yearend.score_sheet_create_default(centre_staff, org.subdistrict, YEAR, SubjectKind.LIAISON_LEADER)
    yearend.assessment_compute(centre_staff, sheet.pk)
    results = results_by_name(sheet)
    first = results["联系领导甲"]
    lines = {line["indicator"]: line for line in first.breakdown["lines"]}
    # 东村 + 西村: success 4/5, not handed up 4/4, on time 3/4, performance 3/4
    assert lines["success_rate"]["display"] == "80.0%（4/5）"
    assert lines["success_rate"]["points"] == "26.67"  # 30 × 0.8/0.9
    assert lines["not_handed_up_rate"]["points"] == "30.00"
    assert lines["on_time_rate"]["points"] == "15.79"  # 20 × 0.75/0.95
    assert lines["performance_rate"]["points"] == "15.79"
    assert first.breakdown["subject"]["covers"] == ["东村", "西村"]
    assert first.score == Decimal("78.25")  # 88.25 − 10 (black)
    assert not first.eligible and first.leader == person
    second = results["联系领导乙"]
    assert second.score == Decimal("100.00") and second.eligible and second.rank == 1
    assert first.rank == 2


def test_departments_are_the_subdistrict_bodies_of_the_listed_kinds(org, centre_staff, dispute_type, grid_worker):
    Unit.objects.create(name="测试街道党工委", kind=UnitKind.PARTY_WORKING_COMMITTEE, area=org.subdistrict)
    police = Unit.objects.create(name="测试派出所", kind=UnitKind.POLICE_STATION, area=org.subdistrict)
    ledger_case(org, dispute_type, grid_worker, village=org.village, unit=org.subdistrict_committee, agreed=True,
                due=(2026, 5, 1), closed=(2026, 6, 1), inside=False)
    ledger_case(org, dispute_type, grid_worker, village=org.village, unit=org.subdistrict_committee, agreed=False, closed=(2026, 6, 1))
    sheet = yearend.score_sheet_create_default(centre_staff, org.subdistrict, YEAR, SubjectKind.DEPARTMENT)
    yearend.assessment_compute(centre_staff, sheet.pk)
    results = results_by_name(sheet)
    assert set(results) == {"测试街道综治中心", "测试派出所", "测试街道人民调解委员会", "测试街道小马调解室"}
    committee = results["测试街道人民调解委员会"]
    lines = {line["indicator"]: line for line in committee.breakdown["lines"]}
    assert lines["success_rate"]["points"] == "16.67"  # 30 × 0.5/0.9
    assert lines["not_handed_up_rate"]["points"] == "12.76"  # 25 × 0.5/0.98
    assert lines["on_time_rate"]["points"] == "25.00"
    assert lines["judicial_confirmations"]["points"] == "0.00"
    assert committee.score == Decimal("54.43")
    assert results["测试派出所"].unit == police


# ---------------------------------------------------------------- bonus cap


def test_bonus_awards_are_capped_at_the_items_max_points(org, centre_staff, south):
    sheet = village_sheet(centre_staff, org)
    item = sheet.bonus_items.first()
    assert item.max_points == Decimal("5")
    yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.village_committee, points="3", reason="一")
    with pytest.raises(DomainError, match="最多还能加2.00分"):
        yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.village_committee, points="2.5", reason="二")
    yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.village_committee, points="2", reason="二")
    # Another subject has its own allowance.
    yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.other_village_committee, points="5", reason="三")
    # Not a subject of this sheet.
    with pytest.raises(DomainError, match="不是本评分表的考核对象"):
        yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.centre, points="1", reason="四")
    assert BonusAward.objects.count() == 3
    assert AssessmentEvent.objects.filter(sheet=sheet, action=AssessmentAction.BONUS_AWARDED).count() == 3

    # Lowering the cap afterwards caps what counts.
    yearend.bonus_item_set(centre_staff, sheet.pk, item_id=item.pk, name=item.name, max_points="4")
    yearend.assessment_compute(centre_staff, sheet.pk)
    east = results_by_name(sheet)["东村"]
    assert east.breakdown["bonuses"][0]["awarded"] == "5.00"
    assert east.breakdown["bonuses"][0]["counted"] == "4.00"
    assert east.score == Decimal("94.00")


# ---------------------------------------------------------------- publishing freezes


def test_published_assessment_is_frozen(org, centre_staff, year_cases, south, dispute_type, grid_worker):
    sheet = village_sheet(centre_staff, org)
    yearend.assessment_publish(centre_staff, sheet.pk)
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED and sheet.published_by == centre_staff and sheet.published_at
    frozen = {r.subject_name: (r.score, r.rank, r.eligible, r.breakdown) for r in AssessmentResult.objects.filter(sheet=sheet)}
    assert frozen["东村"][0] == Decimal("81.08")
    assert AssessmentEvent.objects.filter(sheet=sheet, action=AssessmentAction.PUBLISHED, actor=centre_staff).exists()

    # Later data: a black card, more cases, a renamed village. Nothing moves.
    card(CardColour.BLACK, unit=org.village_committee)
    ledger_case(org, dispute_type, grid_worker, village=org.village, unit=org.village_committee, agreed=True,
                due=(2026, 5, 1), closed=(2026, 6, 1), channel=Channel.GRID_SCREENING)
    Area.objects.filter(pk=org.village.pk).update(name="东村（更名）")

    item = sheet.bonus_items.first()
    line = sheet.indicators.first()
    refused = [
        lambda: yearend.assessment_compute(centre_staff, sheet.pk),
        lambda: yearend.assessment_publish(centre_staff, sheet.pk),
        lambda: yearend.score_sheet_update(centre_staff, sheet.pk, base_score="10"),
        lambda: yearend.score_indicator_set(centre_staff, sheet.pk, indicator="success_rate", weight="40", target="0.9"),
        lambda: yearend.score_indicator_remove(centre_staff, sheet.pk, line_id=line.pk),
        lambda: yearend.bonus_item_set(centre_staff, sheet.pk, name="新加分项", max_points="3"),
        lambda: yearend.bonus_award_record(centre_staff, item_id=item.pk, unit=org.village_committee, points="1", reason="迟到"),
    ]
    for attempt in refused:
        with pytest.raises(DomainError, match="已冻结") as caught:
            attempt()
        assert caught.value.code == "published"
    after = {r.subject_name: (r.score, r.rank, r.eligible, r.breakdown) for r in AssessmentResult.objects.filter(sheet=sheet)}
    assert after == frozen
    assert not AssessmentEvent.objects.filter(sheet=sheet, action=AssessmentAction.COMPUTED).exists()


# ---------------------------------------------------------------- who may


def test_services_by_persona(org, centre_staff, leader, village_mediator, outsider, south):
    sheet = village_sheet(centre_staff, org)
    with pytest.raises(PermissionDenied):
        yearend.score_sheet_create_default(leader, org.subdistrict, YEAR, SubjectKind.DEPARTMENT)
    with pytest.raises(PermissionDenied, match="领导可以查阅"):
        yearend.assessment_compute(leader, sheet.pk)
    for user in (village_mediator, outsider):
        with pytest.raises(ScoreSheet.DoesNotExist):
            yearend.assessment_compute(user, sheet.pk)
        with pytest.raises(ScoreSheet.DoesNotExist):
            yearend.assessment_publish(user, sheet.pk)
    assert not AssessmentResult.objects.exists()
    assert set(yearend.sheets_visible_to(leader)) == {sheet}
    assert not yearend.sheets_visible_to(village_mediator).exists()


def test_superuser_may_compute(org, centre_staff, south, django_user_model):
    sheet = village_sheet(centre_staff, org)
    admin = django_user_model.objects.create_superuser("root", password="x-pass-123456")
    yearend.assessment_compute(admin, sheet.pk)
    assert AssessmentResult.objects.filter(sheet=sheet).count() == 3


def test_pages_by_persona(client, org, centre_staff, leader, village_mediator, outsider, south):
    sheet = village_sheet(centre_staff, org)
    list_url = reverse("yearend:sheet_list")
    detail_url = reverse("yearend:sheet_detail", args=[sheet.pk])
    compute_url = reverse("yearend:sheet_compute", args=[sheet.pk])
    publish_url = reverse("yearend:sheet_publish", args=[sheet.pk])

    client.force_login(leader)
    assert client.get(list_url).status_code == 200
    page = client.get(detail_url)
    assert page.status_code == 200 and sheet.name in page.content.decode()
    assert compute_url not in page.content.decode()
    assert client.post(compute_url).status_code == 403
    assert client.post(publish_url).status_code == 403
    assert client.get(reverse("yearend:sheet_new")).status_code == 403

    for user in (village_mediator, outsider):
        client.force_login(user)
        assert client.get(list_url).status_code == 403
        assert client.get(detail_url).status_code == 404
        assert client.post(compute_url).status_code == 404

    client.force_login(centre_staff)
    page = client.get(detail_url).content.decode()
    assert compute_url in page and publish_url in page
    assert client.post(compute_url).status_code == 302
    assert AssessmentResult.objects.filter(sheet=sheet).count() == 3
    page = client.get(detail_url).content.decode()
    assert "南村" in page and "计算时间" in page
    result = AssessmentResult.objects.get(sheet=sheet, subject_name="东村")
    result_url = reverse("yearend:result_detail", args=[sheet.pk, result.pk])
    assert result_url in page
    assert "调解成功率" in client.get(result_url).content.decode()
    client.force_login(leader)
    assert client.get(result_url).status_code == 200
    client.force_login(village_mediator)
    assert client.get(result_url).status_code == 404
    client.force_login(centre_staff)
    assert client.post(publish_url).status_code == 302
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    response = client.post(compute_url, follow=True)
    assert "已冻结" in response.content.decode()


def test_create_default_and_award_forms(client, org, centre_staff, south):
    client.force_login(centre_staff)
    response = client.post(reverse("yearend:sheet_new"), {"year": YEAR, "subject_kind": SubjectKind.VILLAGE})
    sheet = ScoreSheet.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("yearend:sheet_detail", args=[sheet.pk])
    again = client.post(reverse("yearend:sheet_new"), {"year": YEAR, "subject_kind": SubjectKind.VILLAGE})
    assert again.status_code == 400 and "已经建立" in again.content.decode()

    item = sheet.bonus_items.first()
    url = reverse("yearend:bonus_award", args=[sheet.pk])
    assert client.get(url).status_code == 200
    ok = client.post(url, {"item": item.pk, "subject": f"u:{org.village_committee.pk}", "points": "4", "reason": "表彰"})
    assert ok.status_code == 302
    over = client.post(url, {"item": item.pk, "subject": f"u:{org.village_committee.pk}", "points": "4", "reason": "再次"})
    assert over.status_code == 400 and "最多还能加1.00分" in over.content.decode()
    assert BonusAward.objects.count() == 1


def test_editing_a_draft_from_the_sheet_page(client, org, centre_staff, leader, south):
    sheet = village_sheet(centre_staff, org)
    client.force_login(centre_staff)
    url = reverse("yearend:indicator_set", args=[sheet.pk])
    assert client.post(url, {"line-indicator": "judicial_confirmations", "line-weight": "5", "line-target": "1"}).status_code == 302
    assert sheet.indicators.filter(indicator="judicial_confirmations", weight=5).exists()
    refused = client.post(url, {"line-indicator": "success_rate", "line-weight": "30", "line-target": "1.5"})
    assert refused.status_code == 400 and "0到1之间" in refused.content.decode()
    settings = {
        "settings-name": "改名后的评分表", "settings-base_score": "10", "settings-yellow_deduction": "1",
        "settings-red_deduction": "3", "settings-black_deduction": "8", "settings-ineligible_from": "red",
    }
    assert client.post(reverse("yearend:sheet_update", args=[sheet.pk]), settings).status_code == 302
    sheet.refresh_from_db()
    assert (sheet.name, sheet.base_score, sheet.ineligible_from) == ("改名后的评分表", Decimal("10"), "red")
    item_url = reverse("yearend:bonus_item_set", args=[sheet.pk])
    assert client.post(item_url, {"item-name": "新增加分项", "item-max_points": "2"}).status_code == 302
    item = sheet.bonus_items.get(name="新增加分项")
    assert client.post(reverse("yearend:bonus_item_remove", args=[sheet.pk, item.pk])).status_code == 302
    assert not sheet.bonus_items.filter(name="新增加分项").exists()
    actions = list(AssessmentEvent.objects.filter(sheet=sheet).values_list("action", flat=True))
    assert actions == ["created", "indicator_set", "updated", "bonus_item_set", "bonus_item_removed"]
    client.force_login(leader)
    assert client.post(url, {"line-indicator": "closed", "line-weight": "5", "line-target": "1"}).status_code == 403


def test_downloads_from_the_sheet_page(client, org, centre_staff, leader, village_mediator, south):
    sheet = village_sheet(centre_staff, org)
    yearend.assessment_compute(centre_staff, sheet.pk)
    client.force_login(leader)
    xlsx = client.get(reverse("yearend:export", args=[org.subdistrict.pk, YEAR, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
    docx = client.get(reverse("yearend:export", args=[org.subdistrict.pk, YEAR, "docx"]))
    assert docx.status_code == 200
    client.force_login(village_mediator)
    assert client.get(reverse("yearend:export", args=[org.subdistrict.pk, YEAR, "xlsx"])).status_code == 404


# ---------------------------------------------------------------- bounded queries


def _villages(org, dispute_type, reporter, count, start):
    for index in range(start, start + count):
        village = Area.objects.create(name=f"新村{index}", kind=AreaKind.VILLAGE, parent=org.subdistrict, sort_order=10 + index)
        committee = Unit.objects.create(name=f"新村{index}调解委员会", kind=UnitKind.VILLAGE_MEDIATION_COMMITTEE, area=village)
        Unit.objects.create(name=f"新村{index}小马调解室", kind=UnitKind.VILLAGE_MEDIATION_ROOM, area=village)
        ledger_case(org, dispute_type, reporter, village=village, unit=committee, agreed=True, due=(2026, 5, 1), closed=(2026, 6, 1))
        card(CardColour.YELLOW, unit=committee)
        person = Person.objects.create(name=f"联系领导{index}")
        RoleAssignment.objects.create(person=person, role=Role.LIAISON_LEADER, area=village)
        yield village


MAX_COMPUTE_QUERIES = 20


@pytest.mark.parametrize("kind", SubjectKind.values)
def test_compute_query_count_does_not_grow_with_villages(org, centre_staff, dispute_type, grid_worker, django_assert_max_num_queries, kind):
    sheet = yearend.score_sheet_create_default(centre_staff, org.subdistrict, YEAR, kind)
    counts = []
    for count, start in ((2, 0), (12, 2)):
        list(_villages(org, dispute_type, grid_worker, count, start))
        actor = type(centre_staff).objects.get(pk=centre_staff.pk)  # a fresh scope, as in a request
        with django_assert_max_num_queries(MAX_COMPUTE_QUERIES) as captured:
            results = yearend.assessment_compute(actor, sheet.pk)
        counts.append(len(captured.captured_queries))
        if kind == SubjectKind.VILLAGE:
            assert len(results) == 2 + start + count
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- admin


def test_admin_edits_drafts_and_shows_published_sheets_read_only(client, org, centre_staff, south, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", password="x-pass-123456")
    sheet = village_sheet(centre_staff, org)
    client.force_login(admin_user)
    change_url = reverse("admin:assessment_scoresheet_change", args=[sheet.pk])
    page = client.get(change_url)
    assert page.status_code == 200 and 'name="_save"' in page.content.decode()
    changelist = reverse("admin:assessment_scoresheet_changelist")
    response = client.post(changelist, {"action": "compute", "_selected_action": [sheet.pk]}, follow=True)
    assert response.status_code == 200 and AssessmentResult.objects.filter(sheet=sheet).count() == 3
    client.post(changelist, {"action": "publish", "_selected_action": [sheet.pk]}, follow=True)
    sheet.refresh_from_db()
    assert sheet.status == SheetStatus.PUBLISHED
    page = client.get(change_url).content.decode()
    assert 'name="_save"' not in page
    result = AssessmentResult.objects.filter(sheet=sheet).first()
    assert client.get(reverse("admin:assessment_assessmentresult_change", args=[result.pk])).status_code == 200
    assert client.post(reverse("admin:assessment_assessmentresult_delete", args=[result.pk]), {"post": "yes"}).status_code == 403
    assert client.get(reverse("admin:assessment_assessmentevent_changelist")).status_code == 200


# ---------------------------------------------------------------- demo


def test_demo_part_builds_computed_drafts_and_resets(org, centre_staff, south, year_cases):
    from types import SimpleNamespace

    from jiefen.assessment.demo_yearend import demo_yearend, demo_yearend_reset

    builder = SimpleNamespace(subdistrict=org.subdistrict, users={"zongzhi": centre_staff}, now=at(YEAR, 11, 20))
    demo_yearend(builder)
    sheets = ScoreSheet.objects.filter(subdistrict=org.subdistrict, year=YEAR)
    assert sorted(sheets.values_list("subject_kind", flat=True)) == sorted(SubjectKind.values)
    assert set(sheets.values_list("status", flat=True)) == {SheetStatus.DRAFT}
    village = sheets.get(subject_kind=SubjectKind.VILLAGE)
    assert village.results.count() == 3
    assert BonusAward.objects.filter(item__sheet=village).count() == 1
    demo_yearend_reset(org.subdistrict)
    assert not ScoreSheet.objects.exists() and not AssessmentEvent.objects.exists()
