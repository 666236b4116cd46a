"""A hand-built subdistrict for the statistics tests (indicators, spreadsheets, dashboard),
whose figures are worked out by hand.

Every case is moved through the services (tests.casework) under a clock set to the moment in
Asia/Shanghai local time, so the events carry the dates the figures are judged by.

October 2026 (National Day holiday 1–7 October; Saturday 10 October is a 调休 working day):

case  village  type      channel  flags            what happens                                    
A     东村     邻里      网格排查  ¥2,000           reg 10-09, agreement 10-12 (due 10-20), performed 10-19, visit 10-22, archived 10-23
B     西村     婚姻家庭  当事人申请 民转刑, ¥5,000 reg 09-28, agreement 10-02 (due 11-15)              (tier 3)
C     东村     邻里      热线     群体性           reg 10-10, terminated 10-14, handed up 10-15, archived 10-16 (tier 3)
D     东村     合同      网格排查  ¥1,000           reg 10-10, agreement 10-13 (due 10-25), never performed; judicially confirmed 10-25
E     西村     邻里      当事人申请                  reg 10-31 23:30 (UTC 15:30 on the 31st)
F     西村     邻里      当事人申请                  reg 11-01 00:10 (UTC 16:10 on 31 October)
G     东村     邻里      网格排查  群体性           reg 09-20, agreement 09-30 23:50 (due 10-08), item performed 10-05 (tier 3)
H     西村     邻里      当事人申请                  reg 09-01, rejected 09-01, archived 10-20: archiving limit missed
J     西村     邻里      当事人申请                  reg 09-29, rejected 09-29, archived 10-16: in time only because
                                                      the holiday table stretches the 10 working days to 10-19
"""

from contextlib import contextmanager
from datetime import date, datetime, timezone as dt_timezone
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest

from jiefen.cases.models import Case, Channel, DisputeType
from jiefen.mediation.models import ConfirmationOutcome
from jiefen.mediation.services.agreements import effective_agreement
from jiefen.organisation.models import Unit, UnitKind

from .casework import act, register

SHANGHAI = ZoneInfo("Asia/Shanghai")


@contextmanager
def clock(y, m, d, hh=10, mm=0):
    """Run services as if it were this local moment in Shanghai; yields the local date."""
    moment = datetime(y, m, d, hh, mm, tzinfo=SHANGHAI)
    with mock.patch("django.utils.timezone.now", return_value=moment.astimezone(dt_timezone.utc)):
        yield moment.date()


def new(org, dtype, actor, when, **overrides):
    with clock(*when) as day:
        return register(org, dtype, actor, on=day, **overrides)


def step(case, action, when, staff, mediator, **kwargs):
    with clock(*when) as day:
        return act(case, action, staff, mediator=mediator, on=day, **kwargs)


def steps(case, actions, when, staff, mediator):
    for action in actions:
        case = step(case, action, when, staff, mediator)
    return case


START = ("accept", "assign", "start_mediation")


@pytest.fixture
def types(db):
    return {t.code: t for t in DisputeType.objects.all()}


@pytest.fixture
def court(org):
    return Unit.objects.create(name="测试人民法庭", kind=UnitKind.PEOPLES_TRIBUNAL, area=org.subdistrict)


@pytest.fixture
def october(org, types, centre_staff, village_mediator, subdistrict_mediator, court):
    """The cases of the module docstring; returns them by letter."""
    staff, vmed, smed = centre_staff, village_mediator, subdistrict_mediator
    east, west = {"village": org.village, "grid": org.grid}, {"village": org.other_village, "grid": org.other_grid}
    applied = {"channel": Channel.PARTY_APPLICATION}
    cases = {}

    a = new(org, types["neighbour"], staff, (2026, 10, 9, 9), amount_in_dispute=Decimal("2000"), **east)
    a = steps(a, START, (2026, 10, 9, 9, 30), staff, vmed)
    a = step(a, "reach_agreement", (2026, 10, 12, 15), staff, vmed, performance_due=date(2026, 10, 20))
    a = step(a, "confirm_performed", (2026, 10, 19), staff, vmed)
    a = step(a, "record_return_visit", (2026, 10, 22), staff, vmed)
    cases["A"] = step(a, "archive", (2026, 10, 23), staff, vmed)

    b = new(
        org, types["marriage_family"], staff, (2026, 9, 28), criminal_risk=True, amount_in_dispute=Decimal("5000"),
        **west, **applied,
    )
    b = steps(b, START, (2026, 9, 28, 11), staff, smed)
    cases["B"] = step(b, "reach_agreement", (2026, 10, 2), staff, smed, performance_due=date(2026, 11, 15))

    c = new(org, types["neighbour"], staff, (2026, 10, 10), is_group=True, channel=Channel.HOTLINE_ONLINE, **east)
    c = steps(c, START, (2026, 10, 10, 11), staff, smed)
    c = step(c, "terminate", (2026, 10, 14), staff, smed)
    c = step(c, "hand_up", (2026, 10, 15), staff, smed)
    cases["C"] = step(c, "archive", (2026, 10, 16), staff, smed)

    d = new(org, types["contract"], staff, (2026, 10, 10), amount_in_dispute=Decimal("1000"), **east)
    d = steps(d, START, (2026, 10, 10, 11), staff, vmed)
    cases["D"] = d = step(d, "reach_agreement", (2026, 10, 13), staff, vmed, performance_due=date(2026, 10, 25))
    from jiefen.mediation.services.agreements import judicial_confirmation_apply, judicial_confirmation_update

    with clock(2026, 10, 14) as day:
        confirmation = judicial_confirmation_apply(
            agreement_id=effective_agreement(d).pk, actor=staff, court_id=court.pk, applied_on=day,
            applicant_party_ids=list(d.parties.values_list("pk", flat=True)), today=day,
        )
    with clock(2026, 10, 25) as day:
        judicial_confirmation_update(
            confirmation_id=confirmation.pk, actor=staff, accepted_on=date(2026, 10, 15), decided_on=day,
            outcome=ConfirmationOutcome.CONFIRMED, ruling_number="(2026)川1028民特12号", today=day,
        )

    cases["E"] = new(org, types["neighbour"], staff, (2026, 10, 31, 23, 30), **west, **applied)
    cases["F"] = new(org, types["neighbour"], staff, (2026, 11, 1, 0, 10), **west, **applied)

    g = new(org, types["neighbour"], staff, (2026, 9, 20), is_group=True, **east)
    g = steps(g, START, (2026, 9, 20, 11), staff, smed)
    g = step(g, "reach_agreement", (2026, 9, 30, 23, 50), staff, smed, performance_due=date(2026, 10, 8))
    cases["G"] = step(g, "confirm_performed", (2026, 10, 5), staff, smed)

    h = new(org, types["neighbour"], staff, (2026, 9, 1), **west, **applied)
    h = step(h, "reject", (2026, 9, 1, 11), staff, vmed)
    cases["H"] = step(h, "archive", (2026, 10, 20), staff, vmed)

    j = new(org, types["neighbour"], staff, (2026, 9, 29), **west, **applied)
    j = step(j, "reject", (2026, 9, 29, 11), staff, vmed)
    cases["J"] = step(j, "archive", (2026, 10, 16), staff, vmed)
    return {key: Case.objects.get(pk=case.pk) for key, case in cases.items()}


