"""Time limits (DESIGN §7): working days with Chinese public holidays and 调休 workdays from an
editable table, limits per stage and risk grade from an editable table, and extension of the
mediation period by consent."""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from django.core.exceptions import ValidationError

from jiefen.cases.deadlines import deadline_after
from jiefen.cases.models import Case, CaseState, DayKind, DeadlineStage, EventKind, RiskGrade, TimeLimit
from jiefen.cases.services import case_extend_mediation
from jiefen.common.errors import IllegalTransition, PermissionDenied
from jiefen.workdays.models import CalendarDay
from jiefen.workdays.services import (
    add_working_days,
    calendar_import_from_package,
    is_workday,
    next_working_day,
    working_days_between,
)

from .casework import act, events, register, snapshot, walk

pytestmark = pytest.mark.django_db

EVE_OF_NATIONAL_DAY = date(2026, 9, 30)  # Wednesday; 1–7 October 2026 are holidays
WORKING_SATURDAY = date(2026, 10, 10)  # 国庆调休上班
WORKING_SUNDAY = date(2026, 9, 20)  # 国庆调休上班
PLAIN_TUESDAY = date(2026, 3, 10)


@pytest.fixture
def on_day(org, dispute_type, grid_worker):
    def make(on, **overrides):
        return register(org, dispute_type, grid_worker, on=on, **overrides)

    return make


# ---------------------------------------------------------------- the calendar


def test_the_holiday_table_is_prefilled_for_2026():
    assert not is_workday(date(2026, 10, 1))
    assert not is_workday(date(2026, 10, 7))
    assert is_workday(date(2026, 10, 8))
    assert is_workday(WORKING_SATURDAY)
    assert is_workday(WORKING_SUNDAY)
    assert not is_workday(date(2026, 10, 11))  # an ordinary Sunday
    assert is_workday(PLAIN_TUESDAY)


def test_working_day_arithmetic_across_national_day():
    assert add_working_days(EVE_OF_NATIONAL_DAY, 0) == EVE_OF_NATIONAL_DAY
    assert add_working_days(EVE_OF_NATIONAL_DAY, 1) == date(2026, 10, 8)
    assert add_working_days(EVE_OF_NATIONAL_DAY, 2) == date(2026, 10, 9)
    assert add_working_days(EVE_OF_NATIONAL_DAY, 3) == WORKING_SATURDAY
    assert add_working_days(EVE_OF_NATIONAL_DAY, 4) == date(2026, 10, 12)
    assert add_working_days(date(2026, 9, 19), 1) == WORKING_SUNDAY
    assert next_working_day(date(2026, 10, 1)) == date(2026, 10, 8)
    assert next_working_day(WORKING_SATURDAY) == WORKING_SATURDAY
    assert working_days_between(EVE_OF_NATIONAL_DAY, date(2026, 10, 12)) == 4
    assert working_days_between(date(2026, 10, 12), EVE_OF_NATIONAL_DAY) == -4
    # Spring Festival 2026 (15–23 February, with 调休 on 14 and 28 February).
    assert add_working_days(date(2026, 2, 13), 1) == date(2026, 2, 14)
    assert add_working_days(date(2026, 2, 14), 1) == date(2026, 2, 24)


def test_a_long_span_of_working_days_is_counted_right():
    # Twenty working days from the eve of National Day: 8–10 Oct (3), 12–16 (5), 19–23 (5), 26–30 (5), 2–3 Nov (2).
    assert add_working_days(EVE_OF_NATIONAL_DAY, 20) == date(2026, 11, 3)
    assert working_days_between(EVE_OF_NATIONAL_DAY, date(2026, 11, 3)) == 20


def test_acceptance_limit_registered_on_the_eve_of_national_day(on_day):
    case = on_day(EVE_OF_NATIONAL_DAY)
    assert (case.state, case.due_stage, case.due_date, case.is_overdue) == (
        CaseState.REGISTERED, DeadlineStage.ACCEPTANCE, date(2026, 10, 8), False
    )
    assert Case.objects.get(pk=case.pk).due_date == date(2026, 10, 8)


def test_acceptance_limit_lands_on_a_tiaoxiu_saturday_and_sunday(on_day):
    assert on_day(date(2026, 10, 9)).due_date == WORKING_SATURDAY
    assert on_day(date(2026, 9, 19)).due_date == WORKING_SUNDAY
    # A case registered on an ordinary Friday is due on Monday.
    assert on_day(date(2026, 10, 16)).due_date == date(2026, 10, 19)


def test_editing_the_calendar_changes_the_deadline(on_day):
    # Without the 调休 row, 10 October is an ordinary Saturday.
    CalendarDay.objects.filter(date=WORKING_SATURDAY).delete()
    assert on_day(date(2026, 10, 9)).due_date == date(2026, 10, 12)
    # A local holiday declared on a Wednesday pushes Tuesday's limit to Thursday.
    CalendarDay.objects.create(date=date(2026, 3, 11), is_workday=False, name="地方假日")
    assert on_day(PLAIN_TUESDAY).due_date == date(2026, 3, 12)
    # A Saturday declared a working day pulls Friday's limit in.
    CalendarDay.objects.create(date=date(2026, 3, 14), is_workday=True, name="加班")
    assert on_day(date(2026, 3, 13)).due_date == date(2026, 3, 14)
    # Turning a holiday into a working day.
    CalendarDay.objects.filter(date=date(2026, 10, 1)).update(is_workday=True)
    assert on_day(EVE_OF_NATIONAL_DAY).due_date == date(2026, 10, 1)


def test_reimporting_the_calendar_keeps_manual_edits():
    CalendarDay.objects.filter(date=WORKING_SATURDAY).update(is_workday=False, source=CalendarDay.Source.MANUAL)
    CalendarDay.objects.filter(date=date(2026, 10, 2)).update(is_workday=True)  # a package row edited in place
    calendar_import_from_package()
    assert not is_workday(WORKING_SATURDAY)
    assert not is_workday(date(2026, 10, 2))


# ---------------------------------------------------------------- limits per stage


def test_a_red_case_is_due_for_acceptance_and_assignment_the_same_day(on_day, centre_staff):
    case = on_day(EVE_OF_NATIONAL_DAY, risk_grade=RiskGrade.RED)
    assert (case.due_stage, case.due_date) == (DeadlineStage.ACCEPTANCE, EVE_OF_NATIONAL_DAY)
    case = act(case, "accept", centre_staff, on=EVE_OF_NATIONAL_DAY)
    assert (case.due_stage, case.due_date) == (DeadlineStage.ASSIGNMENT, EVE_OF_NATIONAL_DAY)


def test_assignment_is_due_one_working_day_after_acceptance(on_day, centre_staff):
    case = act(on_day(EVE_OF_NATIONAL_DAY), "accept", centre_staff, on=EVE_OF_NATIONAL_DAY)
    assert (case.due_stage, case.due_date) == (DeadlineStage.ASSIGNMENT, date(2026, 10, 8))


def test_mediation_is_due_thirty_calendar_days_after_acceptance(on_day, centre_staff, village_mediator):
    case = on_day(date(2026, 9, 29))
    case = act(case, "accept", centre_staff, on=EVE_OF_NATIONAL_DAY)
    accept_event = events(case)[-1]
    assert case.mediation_due_date == date(2026, 10, 30)  # holidays are not skipped: calendar days
    assert accept_event.data["mediation_due_date"] == "2026-10-30"
    case = act(case, "assign", centre_staff, mediator=village_mediator, on=date(2026, 10, 8))
    assert (case.due_stage, case.due_date) == (DeadlineStage.MEDIATION, date(2026, 10, 30))
    case = act(case, "start_mediation", village_mediator, on=date(2026, 10, 9))
    assert (case.due_stage, case.due_date) == (DeadlineStage.MEDIATION, date(2026, 10, 30))


def test_later_stages_get_their_own_limits(on_day, centre_staff, village_mediator):
    day = PLAIN_TUESDAY
    case = walk(on_day(day), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=day)
    case = act(case, "reach_agreement", village_mediator, on=day, performance_due=date(2026, 4, 1))
    assert (case.due_stage, case.due_date) == (DeadlineStage.PERFORMANCE, date(2026, 4, 1))
    case = act(case, "start_performance", village_mediator, on=day)
    assert (case.due_stage, case.due_date) == (DeadlineStage.PERFORMANCE, date(2026, 4, 1))
    case = act(case, "confirm_performed", village_mediator, on=date(2026, 3, 30))
    assert (case.due_stage, case.due_date) == (DeadlineStage.RETURN_VISIT, date(2026, 4, 14))  # 15 calendar days
    case = act(case, "record_return_visit", village_mediator, on=date(2026, 4, 3))  # Friday before 清明 (4–6 April)
    assert (case.due_stage, case.due_date) == (DeadlineStage.ARCHIVING, date(2026, 4, 20))  # 10 working days
    case = act(case, "archive", village_mediator, on=date(2026, 4, 7))
    assert (case.due_stage, case.due_date) == ("", None)


def test_termination_gives_three_working_days_to_decide_what_next(on_day, centre_staff, village_mediator):
    case = walk(on_day(EVE_OF_NATIONAL_DAY), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=EVE_OF_NATIONAL_DAY)
    case = act(case, "terminate", village_mediator, on=EVE_OF_NATIONAL_DAY)
    assert (case.due_stage, case.due_date) == (DeadlineStage.DISPOSITION, WORKING_SATURDAY)


def test_editing_the_time_limit_table_changes_deadlines(on_day, centre_staff):
    TimeLimit.objects.filter(stage=DeadlineStage.ACCEPTANCE, risk_grade="").update(days=3)
    assert on_day(PLAIN_TUESDAY).due_date == date(2026, 3, 13)
    # A row for one grade beats the row for all grades.
    TimeLimit.objects.create(stage=DeadlineStage.ACCEPTANCE, risk_grade=RiskGrade.ORANGE, days=0, day_kind=DayKind.WORKING)
    assert on_day(PLAIN_TUESDAY, risk_grade=RiskGrade.ORANGE).due_date == PLAIN_TUESDAY
    assert on_day(PLAIN_TUESDAY, risk_grade=RiskGrade.YELLOW).due_date == date(2026, 3, 13)
    # Mediation in working days rather than calendar days.
    TimeLimit.objects.filter(stage=DeadlineStage.MEDIATION, risk_grade="").update(days=5, day_kind=DayKind.WORKING)
    case = act(on_day(EVE_OF_NATIONAL_DAY), "accept", centre_staff, on=EVE_OF_NATIONAL_DAY)
    assert case.mediation_due_date == date(2026, 10, 13)
    # Without the table's red row, red cases fall back to the row for all grades.
    TimeLimit.objects.filter(stage=DeadlineStage.ACCEPTANCE, risk_grade=RiskGrade.RED).delete()
    assert on_day(PLAIN_TUESDAY, risk_grade=RiskGrade.RED).due_date == date(2026, 3, 13)


def test_an_empty_time_limit_table_falls_back_to_the_defaults():
    TimeLimit.objects.all().delete()
    assert deadline_after(DeadlineStage.ACCEPTANCE, RiskGrade.RED, EVE_OF_NATIONAL_DAY) == EVE_OF_NATIONAL_DAY
    assert deadline_after(DeadlineStage.ACCEPTANCE, RiskGrade.BLUE, EVE_OF_NATIONAL_DAY) == date(2026, 10, 8)
    assert deadline_after(DeadlineStage.MEDIATION, RiskGrade.BLUE, EVE_OF_NATIONAL_DAY) == date(2026, 10, 30)


# ---------------------------------------------------------------- extension by consent


def test_extending_mediation_moves_the_limit_and_logs_it(on_day, centre_staff, village_mediator):
    case = walk(on_day(PLAIN_TUESDAY), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=PLAIN_TUESDAY)
    assert case.mediation_due_date == date(2026, 4, 9)
    version = case.version
    case = case_extend_mediation(case_id=case.pk, actor=village_mediator, days=15, reason="双方书面同意延长15日", expected_version=version)
    case.refresh_from_db()
    assert (case.mediation_due_date, case.mediation_extended_days) == (date(2026, 4, 24), 15)
    assert (case.due_stage, case.due_date) == (DeadlineStage.MEDIATION, date(2026, 4, 24))
    assert case.version == version + 1
    event = events(case, kind=EventKind.DEADLINE_EXTENDED)[-1]
    assert (event.actor, event.reason) == (village_mediator, "双方书面同意延长15日")
    assert event.data == {"days": 15, "new_due": "2026-04-24"}
    case = case_extend_mediation(case_id=case.pk, actor=village_mediator, days=6, reason="再次同意延长", expected_version=case.version)
    assert (case.mediation_due_date, case.mediation_extended_days) == (date(2026, 4, 30), 21)
    assert len(events(case, kind=EventKind.DEADLINE_EXTENDED)) == 2


def test_extension_refusals(on_day, centre_staff, village_mediator, outsider, other_village_mediator):
    registered = on_day(PLAIN_TUESDAY)
    mediating = walk(on_day(PLAIN_TUESDAY), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=PLAIN_TUESDAY)
    before = snapshot(mediating)
    for days in (0, 61, -5):
        with pytest.raises(ValidationError) as info:
            case_extend_mediation(case_id=mediating.pk, actor=village_mediator, days=days, reason="同意")
        assert "days" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        case_extend_mediation(case_id=mediating.pk, actor=village_mediator, days=10, reason=" ")
    assert "reason" in info.value.message_dict
    for user in (outsider, other_village_mediator):
        with pytest.raises(PermissionDenied):
            case_extend_mediation(case_id=mediating.pk, actor=user, days=10, reason="同意")
    assert snapshot(mediating) == before
    assert Case.objects.get(pk=mediating.pk).mediation_due_date == date(2026, 4, 9)

    before = snapshot(registered)
    with pytest.raises(IllegalTransition):
        case_extend_mediation(case_id=registered.pk, actor=centre_staff, days=10, reason="同意")
    assert snapshot(registered) == before


def test_extending_an_overdue_mediation_clears_the_overdue_flag(on_day, centre_staff, village_mediator):
    from jiefen.cases.deadlines import deadlines_sweep

    case = walk(on_day(PLAIN_TUESDAY), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=PLAIN_TUESDAY)
    deadlines_sweep(today=date(2026, 4, 10))
    assert Case.objects.get(pk=case.pk).is_overdue
    case = case_extend_mediation(case_id=case.pk, actor=village_mediator, days=30, reason="双方同意延长")
    case.refresh_from_db()
    assert (case.is_overdue, case.due_date) == (False, date(2026, 5, 9))
    assert deadlines_sweep(today=date(2026, 4, 10))["newly_overdue"] == 0
    assert Case.objects.get(pk=case.pk).is_overdue is False


def test_deadline_after_is_consistent_with_the_case(on_day):
    case = on_day(PLAIN_TUESDAY)
    assert case.due_date == deadline_after(DeadlineStage.ACCEPTANCE, case.risk_grade, PLAIN_TUESDAY) == PLAIN_TUESDAY + timedelta(days=1)


def test_raising_risk_to_red_tightens_the_running_acceptance_limit(make_case, centre_staff):
    from jiefen.cases.services import case_update_risk

    case = make_case()
    assert case.due_stage == "acceptance"
    today = timezone.localdate()
    case = case_update_risk(case_id=case.pk, actor=centre_staff, risk_grade="red", complexity=case.complexity, reason="当事人扬言报复")
    assert case.due_date == today
    case = case_update_risk(case_id=case.pk, actor=centre_staff, risk_grade="blue", complexity=case.complexity, reason="情绪已平复")
    assert case.due_date == today
