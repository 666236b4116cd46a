"""The transition table of the closed loop (DESIGN §4): which action moves a case from which
states to which state, and who may take it. Services enforce it; the UI reads it to show buttons."""

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from .models import CaseState as S

HANDLER = "handler"  # subdistrict staff, or a mediator of the unit holding the case
STAFF = "staff"  # subdistrict staff only


@dataclass(frozen=True)
class Transition:
    action: str
    label: str
    sources: tuple
    target: str
    who: str = HANDLER
    needs_reason: bool = False


# Several labels ("受理", "不予受理", "归档") are also state names; the "case action" context
# lets a translation say "Accept" on the button and "Accepted" on the state.
TRANSITIONS = {
    t.action: t
    for t in (
        Transition("accept", pgettext_lazy("case action", "受理"), (S.REGISTERED,), S.ACCEPTED),
        Transition("reject", pgettext_lazy("case action", "不予受理"), (S.REGISTERED,), S.REJECTED, needs_reason=True),
        Transition("assign", pgettext_lazy("case action", "分派调解员"), (S.ACCEPTED,), S.ASSIGNED),
        Transition("start_mediation", pgettext_lazy("case action", "开始调解"), (S.ASSIGNED,), S.MEDIATING),
        Transition("reach_agreement", pgettext_lazy("case action", "达成协议"), (S.MEDIATING,), S.AGREED),
        Transition("start_performance", pgettext_lazy("case action", "进入履行"), (S.AGREED,), S.PERFORMING),
        Transition("confirm_performed", pgettext_lazy("case action", "确认已履行"), (S.AGREED, S.PERFORMING), S.PERFORMED),
        Transition("record_return_visit", pgettext_lazy("case action", "登记回访"), (S.PERFORMED,), S.VISITED, needs_reason=True),
        # Before mediation starts too: a party's refusal (Art. 17) ends the attempt once the case is accepted.
        Transition("terminate", pgettext_lazy("case action", "终止调解"), (S.ACCEPTED, S.ASSIGNED, S.MEDIATING), S.TERMINATED, needs_reason=True),
        # Escalation hands the case to the next tier's unit, which accepts it anew and assigns a mediator.
        Transition("escalate", pgettext_lazy("case action", "上报上一级"), (S.ASSIGNED, S.MEDIATING, S.TERMINATED), S.ACCEPTED, needs_reason=True),
        Transition("refer_out", pgettext_lazy("case action", "移送诉讼/仲裁/行政"), (S.TERMINATED,), S.REFERRED_OUT, needs_reason=True),
        Transition("hand_up", pgettext_lazy("case action", "上交上级"), (S.TERMINATED,), S.HANDED_UP, who=STAFF, needs_reason=True),
        Transition("archive", pgettext_lazy("case action", "归档"), (S.REJECTED, S.VISITED, S.REFERRED_OUT, S.HANDED_UP), S.ARCHIVED),
    )
}


def actions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]


# Checks other apps add to a step (the mediation law's preconditions, the dossier's
# completeness before archiving). Each is called as check(case, actor=…, data=…, today=…)
# inside the transition's transaction and raises a DomainError or ValidationError to refuse.
PRECONDITIONS: dict[str, list] = {}


def add_precondition(action: str, check) -> None:
    if action not in TRANSITIONS:
        raise KeyError(action)
    if check not in PRECONDITIONS.setdefault(action, []):
        PRECONDITIONS[action].append(check)


# Steps another app's service takes itself once the record it keeps is complete (an agreement
# taking effect, the last item performed, a return visit recorded). The case page offers that
# app's forms for them instead of a bare button; the transition stays guarded by its preconditions.
TAKEN_BY_SERVICES: set[str] = set()


def add_service_step(action: str) -> None:
    if action not in TRANSITIONS:
        raise KeyError(action)
    TAKEN_BY_SERVICES.add(action)
