"""Before mediating (DESIGN §6): the rights-and-duties notice and every party's consent come
before mediation (MOJ 2002 Art. 30, Art. 17); a refusal ends the attempt with the right
notice; third parties only with every party's consent (Art. 20); private by default (Art. 23)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from jiefen.cases.models import Case, CaseEvent, CaseState, DisputeType, EventKind
from jiefen.cases.services import case_transition
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied
from jiefen.mediation.models import (
    ConsentDecision,
    MediationPlan,
    PartyConsent,
    PrivacyReason,
    RecordKind,
    RightsNotice,
    SessionKind,
    ThirdParty,
)
from jiefen.mediation.services.preparation import (
    consent_record,
    latest_consents,
    mediation_plan_set,
    plan_of,
    rights_notice_serve,
    third_party_invite,
)
from jiefen.mediation.services.sittings import record_create, session_book
from jiefen.web.display import timeline

from .casework import act, events, register, snapshot, walk

pytestmark = pytest.mark.django_db

CONSENT, REFUSE = ConsentDecision.CONSENT, ConsentDecision.REFUSE


@pytest.fixture
def assigned(make_case, centre_staff, village_mediator):
    """A case assigned to the village mediator, with nothing of the law's preparation on file."""
    return walk(make_case(), CaseState.ASSIGNED, staff=centre_staff, mediator=village_mediator)


def parties(case):
    applicant, respondent = case.parties.order_by("id")
    return applicant, respondent


def serve(case, actor, *who):
    return rights_notice_serve(case_id=case.pk, actor=actor, acknowledged_party_ids=[p.pk for p in who or case.parties.all()])


def consent(case, actor, party, decision=CONSENT):
    return consent_record(case_id=case.pk, party_id=party.pk, decision=decision, actor=actor, method="当面口头表示")


def start(case, actor):
    case = Case.objects.get(pk=case.pk)
    return case_transition(case_id=case.pk, action="start_mediation", actor=actor, expected_version=case.version)


def an_hour_from_now(hours=1):
    starts = timezone.now() + timedelta(hours=hours)
    return starts, starts + timedelta(hours=1)


# ---------------------------------------------------------------- before the notice


def test_mediation_cannot_start_before_the_notice_is_served(assigned, village_mediator):
    applicant, respondent = parties(assigned)
    consent(assigned, village_mediator, applicant)
    consent(assigned, village_mediator, respondent)
    before = snapshot(assigned)
    with pytest.raises(DomainError) as info:
        start(assigned, village_mediator)
    assert "权利义务告知书" in str(info.value)
    assert snapshot(assigned) == before


def test_every_party_must_have_signed_the_notice(assigned, village_mediator):
    applicant, respondent = parties(assigned)
    serve(assigned, village_mediator, applicant)
    consent(assigned, village_mediator, applicant)
    consent(assigned, village_mediator, respondent)
    with pytest.raises(DomainError) as info:
        start(assigned, village_mediator)
    assert "尚未签收权利义务告知书：李四" in str(info.value)
    # Serving it again on the absent party adds them; the first service date stays.
    first = RightsNotice.objects.get(case=assigned).served_at
    serve(assigned, village_mediator, respondent)
    notice = RightsNotice.objects.get(case=assigned)
    assert set(notice.acknowledged_by.all()) == {applicant, respondent}
    assert notice.served_at == first
    assert start(assigned, village_mediator).state == CaseState.MEDIATING


def test_mediation_cannot_start_until_every_party_consents(assigned, village_mediator):
    applicant, respondent = parties(assigned)
    serve(assigned, village_mediator)
    consent(assigned, village_mediator, applicant)
    before = snapshot(assigned)
    with pytest.raises(DomainError) as info:
        start(assigned, village_mediator)
    assert "尚未表示同意调解：李四" in str(info.value)
    assert "张三" not in str(info.value)
    assert snapshot(assigned) == before

    consent(assigned, village_mediator, respondent)
    case = start(assigned, village_mediator)
    assert case.state == CaseState.MEDIATING


def test_a_mediation_session_before_the_notice_is_refused_an_investigation_is_not(assigned, village_mediator, org):
    starts, ends = an_hour_from_now()
    with pytest.raises(DomainError) as info:
        session_book(
            case_id=assigned.pk, actor=village_mediator, kind=SessionKind.MEDIATION, starts_at=starts, ends_at=ends,
            mediator_ids=[village_mediator.pk], place="东村村委会",
        )
    assert "权利义务告知书" in str(info.value)
    assert not assigned.sessions.exists()
    session_book(
        case_id=assigned.pk, actor=village_mediator, kind=SessionKind.INVESTIGATION, starts_at=starts, ends_at=ends,
        mediator_ids=[village_mediator.pk], place="张三家中",
    )
    serve(assigned, village_mediator)
    session = session_book(
        case_id=assigned.pk, actor=village_mediator, kind=SessionKind.MEDIATION, starts_at=starts + timedelta(hours=2),
        ends_at=ends + timedelta(hours=2), mediator_ids=[village_mediator.pk], place="东村村委会",
    )
    assert session.kind == SessionKind.MEDIATION


def test_a_mediation_record_before_the_notice_is_refused(assigned, village_mediator):
    with pytest.raises(DomainError) as info:
        record_create(
            case_id=assigned.pk, actor=village_mediator, kind=RecordKind.MEDIATION, held_at=timezone.now(),
            place="东村村委会", participants="张三、李四", statements="双方陈述",
        )
    assert "权利义务告知书" in str(info.value)
    assert not assigned.records.exists()


# ---------------------------------------------------------------- refusal ends the attempt (Art. 17)


def test_a_refusal_before_acceptance_is_a_rejection_pointing_to_other_routes(make_case, village_mediator):
    case = make_case()
    applicant, respondent = parties(case)
    consent(case, village_mediator, respondent, REFUSE)
    case.refresh_from_db()
    assert case.state == CaseState.REJECTED
    assert "仲裁" in case.rejection_pointed_to and "诉" in case.rejection_pointed_to
    note, transition = events(case)[-2:]
    assert (note.kind, note.action, note.data["decision"], note.data["party_name"]) == (EventKind.NOTE, "consent_recorded", REFUSE, "李四")
    # The timeline names the event and spells out who answered what.
    row = timeline([note])[0]
    assert row["title"] == "登记调解意愿" and row["details"] == ["李四：拒绝调解（当面口头表示）"]
    assert (transition.kind, transition.action, transition.to_state) == (EventKind.TRANSITION, "reject", CaseState.REJECTED)
    assert "李四拒绝调解" in transition.reason and "第十七条" in transition.reason
    assert transition.data["pointed_to"] == case.rejection_pointed_to


@pytest.mark.parametrize("state", [CaseState.ACCEPTED, CaseState.ASSIGNED, CaseState.MEDIATING])
def test_a_refusal_after_acceptance_terminates_the_mediation(state, make_case, centre_staff, village_mediator):
    case = walk(make_case(), state, staff=centre_staff, mediator=village_mediator)
    applicant, _respondent = parties(case)
    consent(case, village_mediator, applicant, REFUSE)
    case.refresh_from_db()
    assert case.state == CaseState.TERMINATED
    assert case.concluded_at is not None
    transition = events(case, kind=EventKind.TRANSITION)[-1]
    assert (transition.action, transition.from_state, transition.to_state) == ("terminate", state, CaseState.TERMINATED)
    assert "张三拒绝调解" in transition.reason and "第十七条" in transition.reason and "仲裁" in transition.reason
    refusal = PartyConsent.objects.filter(case=case).latest("id")
    assert (refusal.party, refusal.decision, refusal.recorded_by) == (applicant, REFUSE, village_mediator)


def test_the_latest_answer_counts_and_every_answer_is_kept(make_case, centre_staff, village_mediator, org):
    case = walk(make_case(), CaseState.MEDIATING, staff=centre_staff, mediator=village_mediator)
    applicant, respondent = parties(case)
    consent(case, village_mediator, respondent, REFUSE)  # ends this attempt
    case = act(Case.objects.get(pk=case.pk), "escalate", village_mediator)
    case = act(case, "assign", centre_staff, mediator=village_mediator)
    assert latest_consents(case)[respondent.pk].decision == REFUSE
    with pytest.raises(DomainError) as info:
        start(case, village_mediator)
    assert "拒绝调解：李四" in str(info.value)

    consent(case, village_mediator, respondent, CONSENT)  # changed their mind at the committee
    assert latest_consents(case)[respondent.pk].decision == CONSENT
    assert list(PartyConsent.objects.filter(case=case, party=respondent).values_list("decision", flat=True)) == [CONSENT, REFUSE, CONSENT]
    assert start(case, village_mediator).state == CaseState.MEDIATING


def test_no_answers_once_mediation_is_over(make_case, centre_staff, village_mediator):
    case = walk(make_case(), CaseState.TERMINATED, staff=centre_staff, mediator=village_mediator)
    applicant, _respondent = parties(case)
    before = snapshot(case)
    with pytest.raises(IllegalTransition):
        consent(case, village_mediator, applicant)
    assert snapshot(case) == before


def test_only_handlers_record_answers_and_only_for_the_cases_parties(make_case, village_mediator, grid_worker, leader, outsider):
    case, other = make_case(), make_case()
    applicant, _respondent = parties(case)
    for user in (grid_worker, leader, outsider):
        with pytest.raises(PermissionDenied):
            consent(case, user, applicant)
    with pytest.raises(ValidationError) as info:
        consent_record(case_id=case.pk, party_id=other.parties.first().pk, decision=CONSENT, actor=village_mediator)
    assert "party" in info.value.message_dict
    with pytest.raises(ValidationError):
        consent_record(case_id=case.pk, party_id=applicant.pk, decision="maybe", actor=village_mediator)
    assert not PartyConsent.objects.exists()
    assert not CaseEvent.objects.filter(case=case, kind=EventKind.NOTE).exists()


# ---------------------------------------------------------------- third parties (Art. 20)


def test_a_third_party_needs_every_partys_consent(assigned, village_mediator):
    applicant, respondent = parties(assigned)
    with pytest.raises(DomainError) as info:
        third_party_invite(
            case_id=assigned.pk, actor=village_mediator, name="王五", relation="村民小组长", consenting_party_ids=[applicant.pk]
        )
    assert "须经全部当事人同意" in str(info.value) and "李四" in str(info.value)
    with pytest.raises(DomainError):
        third_party_invite(case_id=assigned.pk, actor=village_mediator, name="王五", relation="村民小组长", consenting_party_ids=[])
    assert not ThirdParty.objects.exists()

    third = third_party_invite(
        case_id=assigned.pk, actor=village_mediator, name="王五", relation="村民小组长",
        consenting_party_ids=[applicant.pk, respondent.pk], phone="13700137000",
    )
    assert set(third.consenting_parties.all()) == {applicant, respondent}
    assert events(assigned)[-1].action == "third_party_invited"


# ---------------------------------------------------------------- public or private (Art. 23)


def test_private_unless_decided_otherwise(assigned, village_mediator):
    plan = plan_of(assigned)
    assert plan.pk is None and plan.is_public is False
    mediation_plan_set(case_id=assigned.pk, actor=village_mediator, is_public=True)
    assert plan_of(assigned).is_public is True
    assert events(assigned)[-1].action == "mediation_plan_set"


def test_a_marriage_case_can_never_be_public(org, grid_worker, village_mediator):
    case = register(org, DisputeType.objects.get(code="marriage_family"), grid_worker, title="婚姻家庭纠纷")
    with pytest.raises(DomainError) as info:
        mediation_plan_set(case_id=case.pk, actor=village_mediator, is_public=True)
    assert "婚姻家庭" in str(info.value) and "不能决定公开调解" in str(info.value)
    assert not MediationPlan.objects.filter(case=case).exists()
    mediation_plan_set(case_id=case.pk, actor=village_mediator, is_public=False, private_reason=PrivacyReason.PRIVACY)
    assert plan_of(case).is_public is False


@pytest.mark.parametrize("reason", [PrivacyReason.PRIVACY, PrivacyReason.TRADE_SECRET])
def test_a_case_flagged_private_cannot_be_made_public(reason, assigned, village_mediator):
    mediation_plan_set(case_id=assigned.pk, actor=village_mediator, is_public=False, private_reason=reason)
    with pytest.raises(DomainError) as info:
        mediation_plan_set(case_id=assigned.pk, actor=village_mediator, is_public=True)
    assert str(PrivacyReason(reason).label) in str(info.value)
    assert plan_of(assigned).is_public is False
    with pytest.raises(ValidationError):
        mediation_plan_set(case_id=assigned.pk, actor=village_mediator, is_public=True, private_reason=reason)


# ---------------------------------------------------------------- the page


def test_the_case_page_shows_what_is_missing_and_takes_the_answers(client, assigned, village_mediator, leader):
    applicant, respondent = parties(assigned)
    url = reverse("web:case_detail", args=[assigned.pk])
    page = client.force_login(village_mediator) or client.get(url).content.decode()
    assert "开始调解前尚需" in page and "尚未向当事人送达权利义务告知书" in page
    act_url = reverse("mediation:act", args=[assigned.pk, "notice"])
    assert act_url in page

    response = client.post(act_url, {"parties": [applicant.pk, respondent.pk], "method": "书面送达"})
    assert response.status_code == 302
    response = client.post(reverse("mediation:act", args=[assigned.pk, "consent"]), {"party": respondent.pk, "decision": "consent"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "送达权利义务告知书" in page and "登记调解意愿" in page  # the timeline names the events
    assert "尚未表示同意调解：张三" in page

    # A refused write comes back on the page, with the form open and the service's words.
    response = client.post(
        reverse("mediation:act", args=[assigned.pk, "third_party"]),
        {"name": "王五", "relation": "邻居", "consenting_parties": [applicant.pk]},
    )
    assert response.status_code == 400
    assert "须经全部当事人同意" in response.content.decode()
    assert 'class="action action-m-third_party" open' in response.content.decode()

    # Leaders read the section but get no forms; their posts are refused.
    client.force_login(leader)
    page = client.get(url).content.decode()
    assert "调解意愿与权利义务告知" in page and act_url not in page
    response = client.post(reverse("mediation:act", args=[assigned.pk, "consent"]), {"party": applicant.pk, "decision": "refuse"})
    assert response.status_code == 403
    assert Case.objects.get(pk=assigned.pk).state == CaseState.ASSIGNED
