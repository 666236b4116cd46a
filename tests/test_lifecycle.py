"""The closed loop (DESIGN §4): every legal move, every illegal one, who may move a case,
the preconditions of each step, closing stamps, recurrence, stale versions and the
append-only event log."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db.models.deletion import ProtectedError

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases.deadlines import deadlines_sweep
from jiefen.cases.lifecycle import STAFF, TRANSITIONS, actions_from
from jiefen.cases.models import AgreementForm, Case, CaseEvent, CaseState, EventKind, Party, ReferralRoute
from jiefen.cases.services import (
    allowed_actions,
    case_extend_mediation,
    case_open_recurrence,
    case_transition,
    case_update_risk,
)
from jiefen.common.errors import ConflictError, IllegalTransition, PermissionDenied
from jiefen.notifications.models import Notification, NotificationKind

from .casework import PATH_TO, TAKE, act, events, prepare, snapshot, step_kwargs, today, walk

pytestmark = pytest.mark.django_db

LEGAL_PAIRS = [(t.action, source) for t in TRANSITIONS.values() for source in t.sources]


@pytest.fixture
def walked(make_case, centre_staff, village_mediator):
    """A factory: a fresh case at the village room, walked to `state` by staff."""

    def make(state, **overrides):
        return walk(make_case(**overrides), state, staff=centre_staff, mediator=village_mediator)

    return make


def test_every_state_is_reachable_and_the_table_covers_every_state():
    # The walks below rely on PATH_TO; the table must not leave a non-terminal state without a way out.
    assert set(PATH_TO) == set(CaseState.values)
    for state in CaseState.values:
        if state != CaseState.ARCHIVED:
            assert actions_from(state), f"{state} has no way out"
    assert actions_from(CaseState.ARCHIVED) == []


# ---------------------------------------------------------------- legal moves


@pytest.mark.parametrize(("action", "source"), LEGAL_PAIRS, ids=[f"{a}-from-{s}" for a, s in LEGAL_PAIRS])
def test_legal_transition(action, source, walked, centre_staff, village_mediator):
    transition = TRANSITIONS[action]
    case = walked(source)
    # Handler moves are taken by the village mediator who holds the case; staff-only moves by staff.
    actor = centre_staff if transition.who == STAFF else village_mediator
    case = prepare(case, action, actor, mediator=village_mediator)  # what the law needs on file first
    assert action in [t.action for t in allowed_actions(actor, case)]
    before_version = case.version
    before_events = CaseEvent.objects.filter(case=case).count()

    kwargs = step_kwargs(action, mediator=village_mediator)
    if action in TAKE:  # a mediation service takes this step itself once its record is complete
        result = TAKE[action](case, actor, mediator=village_mediator, on=today(), **kwargs)
    else:
        result = case_transition(case_id=case.pk, action=action, actor=actor, expected_version=case.version, **kwargs)

    case = Case.objects.get(pk=case.pk)
    assert case.state == transition.target == result.state
    assert case.version == before_version + 1 == result.version
    # The service's own records (signatures, performed items, the visit) are notes beside the step.
    new = [e for e in CaseEvent.objects.filter(case=case).order_by("id")[before_events:] if e.kind != EventKind.NOTE]
    assert len(new) == 1
    event = new[0]
    assert event.kind == (EventKind.ESCALATED if action == "escalate" else EventKind.TRANSITION)
    assert (event.action, event.actor, event.from_state, event.to_state) == (action, actor, source, transition.target)
    assert event.at is not None
    if transition.needs_reason:
        assert event.reason == kwargs["reason"] if action not in TAKE else event.reason
    if action == "assign":
        assert event.data["mediator"] == village_mediator.pk
        assert case.mediator == village_mediator
    if action == "reject":
        assert event.data == {"pointed_to": "向人民法院起诉"}
        assert case.rejection_pointed_to == "向人民法院起诉"
    if action == "reach_agreement":
        assert event.data["agreement_form"] == AgreementForm.WRITTEN
        assert case.performance_due == kwargs["performance_due"]
        assert case.concluded_at is not None
    if action == "refer_out":
        assert event.data == {"route": ReferralRoute.LITIGATION, "referred_to": "隆昌市人民法院"}
        assert (case.referral_route, case.referred_to) == (ReferralRoute.LITIGATION, "隆昌市人民法院")
    if action == "escalate":
        assert event.data["from_tier"] == 1 and event.data["to_tier"] == 2
    if action == "archive":
        assert case.closed_at is not None


# ---------------------------------------------------------------- illegal moves


@pytest.mark.parametrize("state", CaseState.values)
def test_every_illegal_action_is_refused_naming_state_and_legal_moves(state, walked, centre_staff):
    case = walked(state)
    illegal = [t for t in TRANSITIONS.values() if state not in t.sources]
    assert illegal
    legal_labels = [str(t.label) for t in actions_from(state)]
    before = snapshot(case)
    for transition in illegal:
        with pytest.raises(IllegalTransition) as info:
            case_transition(
                case_id=case.pk,
                action=transition.action,
                actor=centre_staff,
                expected_version=case.version,
                **step_kwargs(transition.action, mediator=centre_staff),
            )
        message = str(info.value)
        # Both the state and the refused action are quoted; where they read the same (受理),
        # the quoted text must appear twice.
        state_label = str(CaseState(state).label)
        assert message.count(f"“{state_label}”") >= 1 + (str(transition.label) == state_label), (transition.action, message)
        assert f"“{transition.label}”" in message, (transition.action, message)
        for label in legal_labels:
            assert label in message, (transition.action, label, message)
        if not legal_labels:
            assert "无" in message
        assert snapshot(case) == before, transition.action


def test_unknown_action_is_refused(make_case, centre_staff):
    case = make_case()
    before = snapshot(case)
    with pytest.raises(IllegalTransition, match="fly_to_the_moon"):
        case_transition(case_id=case.pk, action="fly_to_the_moon", actor=centre_staff)
    assert snapshot(case) == before


# ---------------------------------------------------------------- who may act


@pytest.mark.parametrize("persona", ["grid_worker", "leader", "outsider", "other_village_mediator", "subdistrict_mediator"])
def test_people_who_do_not_hold_the_case_cannot_move_it(persona, request, make_case):
    user = request.getfixturevalue(persona)
    case = make_case()
    before = snapshot(case)
    assert allowed_actions(user, case) == []
    with pytest.raises(PermissionDenied):
        case_transition(case_id=case.pk, action="accept", actor=user, expected_version=case.version)
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).accepted_at is None


def test_mediator_of_the_holding_unit_and_staff_may_move_it(make_case, village_mediator, centre_staff):
    case = make_case()
    assert [t.action for t in allowed_actions(village_mediator, case)] == ["accept", "reject"]
    assert [t.action for t in allowed_actions(centre_staff, case)] == ["accept", "reject"]


def test_hand_up_is_staff_only(walked, village_mediator, centre_staff):
    case = walked(CaseState.TERMINATED)
    assert "hand_up" not in [t.action for t in allowed_actions(village_mediator, case)]
    assert "hand_up" in [t.action for t in allowed_actions(centre_staff, case)]
    before = snapshot(case)
    with pytest.raises(PermissionDenied, match="综治中心"):
        act(case, "hand_up", village_mediator)
    assert snapshot(case) == before
    assert not Incident.objects.filter(case=case).exists()
    # The mediator may still take the other ways out of 调解终止.
    case = act(case, "refer_out", village_mediator)
    assert case.state == CaseState.REFERRED_OUT


# ---------------------------------------------------------------- preconditions


@pytest.mark.parametrize("action", [t.action for t in TRANSITIONS.values() if t.needs_reason])
@pytest.mark.parametrize("blank", ["", "   \n"])
def test_moves_that_need_a_reason_refuse_a_blank_one(action, blank, walked, centre_staff, village_mediator):
    case = walked(TRANSITIONS[action].sources[0])
    before = snapshot(case)
    kwargs = {**step_kwargs(action, mediator=village_mediator), "reason": blank}
    with pytest.raises(ValidationError) as info:
        case_transition(case_id=case.pk, action=action, actor=centre_staff, expected_version=case.version, **kwargs)
    assert "reason" in info.value.message_dict
    assert snapshot(case) == before


def test_reject_needs_where_the_party_was_pointed(make_case, village_mediator):
    case = make_case()
    before = snapshot(case)
    with pytest.raises(ValidationError) as info:
        act(case, "reject", village_mediator, pointed_to="  ")
    assert "pointed_to" in info.value.message_dict
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).rejection_pointed_to == ""


def test_assign_needs_a_mediator_of_the_holding_unit(walked, centre_staff, other_village_mediator, subdistrict_mediator, village_mediator):
    case = walked(CaseState.ACCEPTED)
    before = snapshot(case)
    for candidate in (None, other_village_mediator, subdistrict_mediator, centre_staff):
        with pytest.raises(ValidationError) as info:
            act(case, "assign", centre_staff, mediator=candidate)
        assert "mediator" in info.value.message_dict, candidate
        assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).mediator is None
    assert not Notification.objects.filter(case=case, kind=NotificationKind.ASSIGNED).exists()

    case = act(case, "assign", centre_staff, mediator=village_mediator)
    assert case.mediator == village_mediator
    notice = Notification.objects.get(case=case, kind=NotificationKind.ASSIGNED)
    assert notice.user == village_mediator and case.number in notice.message


def test_an_inactive_mediator_cannot_be_assigned(walked, centre_staff, village_mediator):
    case = walked(CaseState.ACCEPTED)
    village_mediator.person.is_active = False
    village_mediator.person.save()
    with pytest.raises(ValidationError):
        act(case, "assign", centre_staff, mediator=village_mediator)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"agreement_form": ""}, "form"),
        ({"agreement_form": "verbal"}, "form"),
        ({"performance_due": None}, "items-0-due_date"),
        ({"performance_due": "past"}, "items-0-due_date"),
    ],
    ids=["no-form", "unknown-form", "no-date", "date-in-the-past"],
)
def test_reach_agreement_needs_a_form_and_a_performance_date_not_in_the_past(changes, field, walked, village_mediator):
    case = walked(CaseState.MEDIATING)
    on = today()
    if changes.get("performance_due") == "past":
        changes = {"performance_due": on - timedelta(days=1)}
    before = snapshot(case)
    with pytest.raises(ValidationError) as info:
        act(case, "reach_agreement", village_mediator, on=on, **changes)
    assert field in info.value.message_dict
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).concluded_at is None


def test_reach_agreement_accepts_an_oral_agreement_due_today(walked, village_mediator):
    case = walked(CaseState.MEDIATING)
    on = today()
    case = act(case, "reach_agreement", village_mediator, on=on, agreement_form=AgreementForm.ORAL, performance_due=on)
    assert (case.state, case.agreement_form, case.performance_due) == (CaseState.AGREED, AgreementForm.ORAL, on)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"route": ""}, "route"), ({"route": "mediation"}, "route"), ({"referred_to": " "}, "referred_to")],
    ids=["no-route", "unknown-route", "no-receiver"],
)
def test_refer_out_needs_a_route_and_a_receiver(changes, field, walked, village_mediator):
    case = walked(CaseState.TERMINATED)
    before = snapshot(case)
    with pytest.raises(ValidationError) as info:
        act(case, "refer_out", village_mediator, **changes)
    assert field in info.value.message_dict
    assert snapshot(case) == before


def test_hand_up_needs_a_receiver(walked, centre_staff):
    case = walked(CaseState.TERMINATED)
    before = snapshot(case)
    with pytest.raises(ValidationError) as info:
        act(case, "hand_up", centre_staff, referred_to="")
    assert "referred_to" in info.value.message_dict
    assert snapshot(case) == before
    assert not Incident.objects.filter(case=case).exists()


# ---------------------------------------------------------------- closing


def test_archive_after_a_return_visit_stamps_a_clean_close(walked, village_mediator):
    case = walked(CaseState.VISITED)
    assert (case.closed_at, case.closed_within_limits, case.closed_inside_subdistrict) == (None, None, None)
    case = act(case, "archive", village_mediator)
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED
    assert case.closed_at is not None
    assert case.closed_within_limits is True
    assert case.closed_inside_subdistrict is True
    assert (case.due_stage, case.due_date) == ("", None)


def test_archive_after_hand_up_is_not_closed_inside_the_subdistrict(walked, centre_staff):
    case = walked(CaseState.HANDED_UP)
    case = act(case, "archive", centre_staff)
    case.refresh_from_db()
    assert case.closed_at is not None
    assert case.closed_inside_subdistrict is False


def test_archive_after_referral_out_is_closed_inside_the_subdistrict(walked, centre_staff):
    case = act(walked(CaseState.REFERRED_OUT), "archive", centre_staff)
    case.refresh_from_db()
    assert case.closed_inside_subdistrict is True


def test_a_missed_limit_makes_the_close_late_unless_the_incident_is_voided(make_case, centre_staff, village_mediator):
    from datetime import date

    swept = date(2026, 3, 12)
    late, voided = make_case(), make_case()
    # Both missed their acceptance limit of 11 March; the sweep records it.
    Case.objects.filter(pk__in=[late.pk, voided.pk]).update(due_date=date(2026, 3, 11))
    deadlines_sweep(today=swept)
    assert Incident.objects.filter(kind=IncidentKind.MISSED_LIMIT, case__in=[late, voided]).count() == 2
    # The leading group reviews one incident and voids it.
    Incident.objects.filter(case=voided).update(status=IncidentStatus.VOID)
    for case in (late, voided):
        case = Case.objects.get(pk=case.pk)
        for action in ("accept", "assign", "start_mediation", "reach_agreement", "confirm_performed", "record_return_visit", "archive"):
            case = act(case, action, centre_staff, mediator=village_mediator, on=swept)
    assert Case.objects.get(pk=late.pk).closed_within_limits is False
    assert Case.objects.get(pk=voided.pk).closed_within_limits is True


def test_archiving_after_the_archiving_limit_is_late_even_before_the_sweep_ran(walked, village_mediator):
    case = walked(CaseState.VISITED)
    # The archiving limit passed yesterday; the hourly sweep has not yet marked it.
    Case.objects.filter(pk=case.pk).update(due_date=today() - timedelta(days=1))
    case = act(Case.objects.get(pk=case.pk), "archive", village_mediator)
    assert Case.objects.get(pk=case.pk).closed_within_limits is False


# ---------------------------------------------------------------- recurrence


def test_recurrence_of_a_closed_case_opens_a_linked_case_and_records_an_incident(walked, village_mediator, grid_worker):
    original = act(walked(CaseState.VISITED), "archive", village_mediator)
    on = today()
    new = case_open_recurrence(original_id=original.pk, actor=grid_worker, reason="排水沟再次堵塞，双方又起争执", today=on)

    assert new.pk != original.pk
    assert new.recurrence_of == original
    assert Case.objects.get(pk=new.pk).recurrence_of_id == original.pk
    assert new.state == CaseState.REGISTERED
    assert new.number != original.number
    assert original.title in new.title and "复发" in new.title
    assert (new.village, new.dispute_type, new.address) == (original.village, original.dispute_type, original.address)
    fields = ("role", "kind", "name", "id_number", "phone", "address")
    assert list(Party.objects.filter(case=new).values(*fields)) == list(Party.objects.filter(case=original).values(*fields))

    on_new = events(new, kind=EventKind.RECURRENCE)
    on_original = events(original, kind=EventKind.RECURRENCE)
    assert len(on_new) == len(on_original) == 1
    assert on_new[0].actor == on_original[0].actor == grid_worker
    assert on_new[0].reason == on_original[0].reason == "排水沟再次堵塞，双方又起争执"
    assert on_new[0].data["recurrence_of"] == original.pk
    assert on_original[0].data["new_case"] == new.pk
    assert [e.kind for e in events(new)] == [EventKind.CREATED, EventKind.ROUTED, EventKind.RECURRENCE]

    incident = Incident.objects.get(kind=IncidentKind.RECURRENCE)
    assert incident.case == original
    assert incident.unit == original.assigned_unit
    assert incident.responsible_user == village_mediator
    assert incident.status == IncidentStatus.PENDING
    assert (incident.detected_on, incident.assessment_year) == (on, on.year)
    # The original stays closed.
    assert Case.objects.get(pk=original.pk).state == CaseState.ARCHIVED


@pytest.mark.parametrize("closing", ["reject", "refer_out"])
def test_recurrence_of_a_dispute_that_was_never_resolved_is_not_held_against_the_unit(closing, walked, centre_staff, grid_worker):
    # 不予受理 or 移送诉讼 closes a case without the unit resolving the dispute.
    source = CaseState.REJECTED if closing == "reject" else CaseState.REFERRED_OUT
    original = act(walked(source), "archive", centre_staff)
    new = case_open_recurrence(original_id=original.pk, actor=grid_worker, reason="纠纷再起")
    assert new.recurrence_of == original
    assert len(events(original, kind=EventKind.RECURRENCE)) == 1
    assert not Incident.objects.filter(kind=IncidentKind.RECURRENCE).exists()


@pytest.mark.parametrize("state", [CaseState.REGISTERED, CaseState.MEDIATING, CaseState.TERMINATED])
def test_recurrence_is_refused_on_an_open_case(state, walked, grid_worker):
    case = walked(state)
    before = snapshot(case)
    cases = Case.objects.count()
    with pytest.raises(IllegalTransition, match="复发"):
        case_open_recurrence(original_id=case.pk, actor=grid_worker, reason="又吵起来了")
    assert snapshot(case) == before
    assert Case.objects.count() == cases
    assert not Incident.objects.exists()


def test_recurrence_needs_a_reason(walked, village_mediator, grid_worker):
    original = act(walked(CaseState.VISITED), "archive", village_mediator)
    cases = Case.objects.count()
    with pytest.raises(ValidationError):
        case_open_recurrence(original_id=original.pk, actor=grid_worker, reason=" ")
    assert Case.objects.count() == cases
    assert not Incident.objects.exists()


# ---------------------------------------------------------------- stale versions


def test_a_stale_version_is_refused_with_a_clear_message(make_case, centre_staff, village_mediator):
    case = make_case()
    seen = case.version
    act(case, "accept", centre_staff)
    before = snapshot(case)
    with pytest.raises(ConflictError) as info:
        case_transition(case_id=case.pk, action="reject", actor=village_mediator, expected_version=seen, **step_kwargs("reject"))
    message = str(info.value)
    assert "综治中心丁" in message  # who changed it
    assert "受理" in message  # what it is now
    assert "刷新" in message  # what to do
    assert snapshot(case) == before
    assert Case.objects.get(pk=case.pk).rejection_pointed_to == ""


def test_the_conflict_message_names_the_person_even_after_a_sweep(make_case, centre_staff, village_mediator):
    case = make_case()
    seen = case.version
    act(case, "accept", centre_staff)
    # The sweep then logs a missed limit (no actor, no new version) on the case.
    Case.objects.filter(pk=case.pk).update(due_date=today() - timedelta(days=2))
    deadlines_sweep(today=today())
    assert events(case)[-1].kind == EventKind.OVERDUE
    with pytest.raises(ConflictError) as info:
        act(Case(pk=case.pk, version=seen), "reject", village_mediator)
    assert "综治中心丁" in str(info.value)


def test_a_stale_version_is_refused_by_the_other_case_writes(walked, centre_staff, village_mediator):
    case = walked(CaseState.MEDIATING)
    seen = case.version
    act(case, "terminate", village_mediator)
    before = snapshot(case)
    with pytest.raises(ConflictError):
        case_update_risk(case_id=case.pk, actor=centre_staff, risk_grade="red", complexity="complex", reason="升级", expected_version=seen)
    with pytest.raises(ConflictError):
        case_extend_mediation(case_id=case.pk, actor=centre_staff, days=10, reason="双方同意", expected_version=seen)
    assert snapshot(case) == before


def test_risk_changes_are_logged_with_before_and_after(make_case, centre_staff):
    case = make_case()
    with pytest.raises(ValidationError):
        case_update_risk(case_id=case.pk, actor=centre_staff, risk_grade="orange", complexity="ordinary", reason="")
    case = case_update_risk(case_id=case.pk, actor=centre_staff, risk_grade="orange", complexity="fairly_complex", reason="双方情绪激动", expected_version=case.version)
    event = events(case, kind=EventKind.RISK_CHANGED)[-1]
    assert event.actor == centre_staff and event.reason == "双方情绪激动"
    assert event.data == {
        "before": {"risk_grade": "blue", "complexity": "ordinary"},
        "after": {"risk_grade": "orange", "complexity": "fairly_complex"},
    }


# ---------------------------------------------------------------- the event log is append-only


def test_case_events_are_append_only(make_case):
    case = make_case()
    event = CaseEvent.objects.filter(case=case).first()
    count = CaseEvent.objects.count()

    event.reason = "篡改"
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).update(reason="篡改")
    with pytest.raises(TypeError):
        CaseEvent.objects.filter(case=case).delete()
    with pytest.raises(TypeError):
        CaseEvent.objects.all().delete()
    with pytest.raises(ProtectedError):
        Case.objects.get(pk=case.pk).delete()

    assert CaseEvent.objects.count() == count
    assert CaseEvent.objects.get(pk=event.pk).reason == ""
