"""Judicial confirmation (人民调解法 Art. 33): the parties jointly apply to a 人民法庭 within 30 days of
the agreement taking effect; personal-status matters cannot be confirmed; the court's own limits
(3 days to accept, 15 to decide, 25 if extended) are shown and checked, with no incident."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from jiefen.assessment.models import Incident
from jiefen.cases.models import CaseEvent, CaseState, DisputeType, EventKind
from jiefen.common.errors import DomainError, PermissionDenied
from jiefen.mediation.models import ConfirmationOutcome, JudicialConfirmation
from jiefen.mediation.services.agreements import (
    confirmation_milestones,
    confirmation_window_end,
    judicial_confirmation_apply,
    judicial_confirmation_update,
)
from jiefen.organisation.models import Unit, UnitKind

from .casework import register, walk
from .steps_agreements import draft, sign_all

pytestmark = pytest.mark.django_db

EFFECTIVE = date(2026, 6, 1)  # a Monday; day 30 is Wednesday 1 July


@pytest.fixture
def court(org):
    return Unit.objects.create(name="测试人民法庭", kind=UnitKind.PEOPLES_TRIBUNAL, area=org.subdistrict)


@pytest.fixture
def agreed_on(org, dispute_type, grid_worker, centre_staff, village_mediator):
    """A factory: a case (of `kind`) whose agreement took effect on `day`."""

    def make(day=EFFECTIVE, kind=None):
        case = walk(register(org, kind or dispute_type, grid_worker), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator, on=day - timedelta(days=5))
        agreement = draft(case, village_mediator, on=day, due=day + timedelta(days=10))
        sign_all(agreement, village_mediator, on=day)
        agreement.refresh_from_db()
        assert timezone.localtime(agreement.effective_at).date() == day
        return agreement

    return make


def apply(agreement, user, court, applied_on, parties=None, today=None):
    parties = parties if parties is not None else list(agreement.case.parties.all())
    return judicial_confirmation_apply(
        agreement_id=agreement.pk, actor=user, court_id=court.pk, applied_on=applied_on,
        applicant_party_ids=[p.pk for p in parties], today=today or applied_on,
    )


# ---------------------------------------------------------------- applying


def test_day_thirty_is_in_time(agreed_on, village_mediator, court):
    agreement = agreed_on()
    assert confirmation_window_end(agreement) == date(2026, 7, 1)
    confirmation = apply(agreement, village_mediator, court, date(2026, 7, 1))
    assert (confirmation.court, confirmation.applied_on) == (court, date(2026, 7, 1))
    assert set(confirmation.applicants.all()) == set(agreement.case.parties.all())
    event = CaseEvent.objects.get(case=agreement.case, kind=EventKind.NOTE, action="judicial_confirmation_applied")
    assert event.data["acceptance_due"] == "2026-07-06"  # 4 July is a Saturday: the court's 3 days run to Monday


def test_day_thirty_one_is_refused_with_the_reason(agreed_on, village_mediator, court):
    agreement = agreed_on()
    with pytest.raises(ValidationError) as info:
        apply(agreement, village_mediator, court, date(2026, 7, 2))
    message = " ".join(info.value.message_dict["applied_on"])
    assert "三十日内" in message and "2026-07-01" in message
    assert not JudicialConfirmation.objects.exists()


def test_a_window_ending_on_a_rest_day_runs_to_the_next_working_day(agreed_on, village_mediator, court):
    agreement = agreed_on(date(2026, 6, 4))  # day 30 is Saturday 4 July
    assert confirmation_window_end(agreement) == date(2026, 7, 6)
    apply(agreement, village_mediator, court, date(2026, 7, 6))
    other = agreed_on(date(2026, 6, 4))
    with pytest.raises(ValidationError):
        apply(other, village_mediator, court, date(2026, 7, 7))


def test_personal_status_matters_cannot_be_confirmed(agreed_on, village_mediator, court):
    marriage = DisputeType.objects.get(code="marriage_family")
    assert marriage.is_personal_status
    agreement = agreed_on(kind=marriage)
    with pytest.raises(DomainError, match="身份关系") as info:
        apply(agreement, village_mediator, court, EFFECTIVE + timedelta(days=3))
    assert info.value.code == "personal_status"
    adoption = DisputeType.objects.create(name="收养", code="adoption", is_personal_status=True)
    with pytest.raises(DomainError, match="身份关系"):
        apply(agreed_on(kind=adoption), village_mediator, court, EFFECTIVE + timedelta(days=3))
    assert not JudicialConfirmation.objects.exists()


def test_the_application_is_joint(agreed_on, village_mediator, court):
    agreement = agreed_on()
    applicant, respondent = agreement.case.parties.order_by("id")
    with pytest.raises(ValidationError, match="共同申请.*李四"):
        apply(agreement, village_mediator, court, EFFECTIVE, parties=[applicant])
    confirmation = apply(agreement, village_mediator, court, EFFECTIVE, parties=[applicant, respondent])
    with pytest.raises(DomainError, match="已登记"):
        apply(agreement, village_mediator, court, EFFECTIVE)
    assert confirmation.applicants.count() == 2


def test_the_court_must_be_a_peoples_tribunal_and_the_dates_real(agreed_on, village_mediator, court, org):
    agreement = agreed_on()
    police = Unit.objects.create(name="测试派出所", kind=UnitKind.POLICE_STATION, area=org.subdistrict)
    with pytest.raises(ValidationError) as info:
        apply(agreement, village_mediator, police, EFFECTIVE)
    assert "court_id" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        apply(agreement, village_mediator, court, EFFECTIVE - timedelta(days=1))
    assert "applied_on" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        apply(agreement, village_mediator, court, EFFECTIVE + timedelta(days=2), today=EFFECTIVE + timedelta(days=1))
    assert "applied_on" in info.value.message_dict


def test_only_an_effective_agreement_and_only_its_handlers(make_case, centre_staff, village_mediator, other_village_mediator, court, agreed_on):
    case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    unsigned = draft(case, village_mediator, on=timezone.localdate(), due=timezone.localdate())
    with pytest.raises(DomainError, match="尚未生效"):
        apply(unsigned, village_mediator, court, timezone.localdate())
    with pytest.raises(PermissionDenied):
        apply(agreed_on(), other_village_mediator, court, EFFECTIVE)


# ---------------------------------------------------------------- the court's milestones


APPLIED = date(2026, 6, 8)  # Monday


def milestones(confirmation, today):
    return {m["key"]: (m["due"], m["done"], m["missed"]) for m in confirmation_milestones(confirmation, today)}


def test_the_court_decides_acceptance_within_three_days(agreed_on, village_mediator, court):
    confirmation = apply(agreed_on(), village_mediator, court, APPLIED)
    assert milestones(confirmation, APPLIED + timedelta(days=3)) == {"acceptance": (date(2026, 6, 11), None, False)}
    assert milestones(confirmation, APPLIED + timedelta(days=4)) == {"acceptance": (date(2026, 6, 11), None, True)}
    late = judicial_confirmation_update(confirmation_id=confirmation.pk, actor=village_mediator, accepted_on=date(2026, 6, 12), today=date(2026, 6, 12))
    assert milestones(late, date(2026, 6, 12))["acceptance"] == (date(2026, 6, 11), date(2026, 6, 12), True)
    event = CaseEvent.objects.filter(case=confirmation.agreement.case, action="judicial_confirmation_updated").last()
    assert event.data["court_missed"] == ["acceptance"]
    assert not Incident.objects.exists()  # the court's limit, not ours


def test_the_court_decides_within_fifteen_days_of_acceptance_or_twenty_five_if_extended(agreed_on, village_mediator, court):
    confirmation = apply(agreed_on(), village_mediator, court, APPLIED)
    accepted = date(2026, 6, 11)
    confirmation = judicial_confirmation_update(confirmation_id=confirmation.pk, actor=village_mediator, accepted_on=accepted, today=accepted)
    assert milestones(confirmation, accepted)["decision"] == (date(2026, 6, 26), None, False)
    assert milestones(confirmation, date(2026, 6, 27))["decision"][2] is True

    confirmation = judicial_confirmation_update(
        confirmation_id=confirmation.pk, actor=village_mediator, accepted_on=accepted, extended=True, today=date(2026, 6, 26)
    )
    assert milestones(confirmation, date(2026, 6, 27))["decision"] == (date(2026, 7, 6), None, False)  # 25 days: Sunday 5 July → Monday

    decided = date(2026, 7, 3)
    confirmation = judicial_confirmation_update(
        confirmation_id=confirmation.pk, actor=village_mediator, accepted_on=accepted, extended=True, decided_on=decided,
        outcome=ConfirmationOutcome.CONFIRMED, ruling_number="（2026）川1028民特12号", today=decided,
    )
    assert milestones(confirmation, date(2026, 8, 1)) == {
        "acceptance": (date(2026, 6, 11), accepted, False),
        "decision": (date(2026, 7, 6), decided, False),
    }
    assert JudicialConfirmation.objects.get(pk=confirmation.pk).outcome == ConfirmationOutcome.CONFIRMED
    assert not Incident.objects.exists()


def test_what_the_court_did_must_add_up(agreed_on, village_mediator, court):
    confirmation = apply(agreed_on(), village_mediator, court, APPLIED)
    day = date(2026, 7, 1)

    def update(**kwargs):
        return judicial_confirmation_update(confirmation_id=confirmation.pk, actor=village_mediator, today=day, **kwargs)

    refusals = [
        ({"accepted_on": APPLIED - timedelta(days=1)}, "accepted_on"),
        ({"accepted_on": day + timedelta(days=1)}, "accepted_on"),
        ({"outcome": ConfirmationOutcome.CONFIRMED, "accepted_on": APPLIED, "decided_on": APPLIED}, "ruling_number"),
        ({"outcome": ConfirmationOutcome.CONFIRMED, "decided_on": APPLIED}, "accepted_on"),
        ({"outcome": ConfirmationOutcome.NOT_ACCEPTED}, "decided_on"),
        ({"accepted_on": APPLIED + timedelta(days=2), "decided_on": APPLIED + timedelta(days=1), "outcome": ConfirmationOutcome.REJECTED}, "decided_on"),
        ({"extended": True}, "extended"),
        ({"outcome": "appealed"}, "outcome"),
    ]
    for kwargs, field in refusals:
        with pytest.raises(ValidationError) as info:
            update(**kwargs)
        assert field in info.value.message_dict, kwargs
    fresh = JudicialConfirmation.objects.get(pk=confirmation.pk)
    assert (fresh.accepted_on, fresh.outcome) == (None, ConfirmationOutcome.PENDING)

    not_accepted = update(outcome=ConfirmationOutcome.NOT_ACCEPTED, decided_on=APPLIED + timedelta(days=2), note="不属于本院管辖")
    assert milestones(not_accepted, day) == {"acceptance": (date(2026, 6, 11), APPLIED + timedelta(days=2), False)}
