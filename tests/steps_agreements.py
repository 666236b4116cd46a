"""Test support: the steps the agreement and aftercare services take themselves (steps_agreements).

达成协议 is reached when a written agreement has every party's, the mediator's and the
committee's signature or seal (or an oral agreement is registered); 已履行 when the last item is
performed; 已回访 when a return visit is recorded. These takers do that through the services,
with the step's usual arguments (agreement_form, performance_due) shaping the agreement."""

from datetime import datetime, time

from django.utils import timezone

from jiefen.cases.models import AgreementForm, Case
from jiefen.mediation.models import ItemStatus, PerformanceFinding, Satisfaction, SignerKind, SignMethod
from jiefen.mediation.services.aftercare import return_visit_record
from jiefen.mediation.services.agreements import (
    agreement_draft,
    agreement_register_oral,
    agreement_sign,
    effective_agreement,
)

from .casework import TAKE


def at(on):
    """Ten in the morning of `on`, or now if that is still ahead."""
    return min(timezone.make_aware(datetime.combine(on, time(10, 0))), timezone.now())


def item(case, due, **overrides):
    obligor = case.parties.order_by("-role", "id").first()  # the respondent, where there is one
    return {
        "what": "疏通排水沟并恢复原状",
        "obligor_party_id": obligor.pk,
        "how": "自行雇工疏通，费用自理",
        "due_date": due,
        "place": case.address or "纠纷发生地",
        **overrides,
    }


def draft(case, actor, *, on, form=AgreementForm.WRITTEN, items=None, due=None):
    return agreement_draft(
        case_id=case.pk,
        actor=actor,
        form=form,
        facts="双方因排水沟堵塞发生争执。",
        matters_in_dispute="排水沟由谁疏通、损失由谁承担。",
        responsibilities="被申请人填堵排水沟，应负主要责任。",
        terms="被申请人疏通排水沟，双方今后和睦相处。",
        items=items if items is not None else [item(case, due)],
        today=on,
    )


def sign_all(agreement, actor, *, on, skip=()):
    """Every signature the agreement needs, but those in `skip` (party ids or signer kinds)."""
    moment = at(on)
    for party in agreement.case.parties.order_by("id"):
        if party.pk not in skip:
            agreement_sign(
                agreement_id=agreement.pk, actor=actor, signer_kind=SignerKind.PARTY, party_id=party.pk,
                method=SignMethod.SIGNATURE, signed_at=moment,
            )
    for kind, method in ((SignerKind.MEDIATOR, SignMethod.SIGNATURE), (SignerKind.COMMITTEE_SEAL, SignMethod.SEAL)):
        if kind not in skip:
            agreement_sign(agreement_id=agreement.pk, actor=actor, signer_kind=kind, method=method, signed_at=moment)


def reach_agreement(case, actor, *, on, mediator=None, agreement_form=AgreementForm.WRITTEN, performance_due=None, **_ignored):
    agreement = draft(case, actor, on=on, form=agreement_form, due=performance_due)
    if agreement.form == AgreementForm.ORAL:
        agreement_register_oral(agreement_id=agreement.pk, actor=actor, registered_at=at(on))
    else:
        sign_all(agreement, actor, on=on)
    return Case.objects.get(pk=case.pk)


def confirm_performed(case, actor, *, on, mediator=None, **_ignored):
    from jiefen.mediation.services.agreements import performance_item_mark

    agreement = effective_agreement(case)
    for pending in agreement.items.exclude(status=ItemStatus.PERFORMED).order_by("id"):
        performance_item_mark(item_id=pending.pk, actor=actor, performed_on=on, today=on)
    return Case.objects.get(pk=case.pk)


def record_return_visit(case, actor, *, on, mediator=None, **_ignored):
    return_visit_record(
        case_id=case.pk,
        actor=actor,
        party_id=case.parties.order_by("id").first().pk,
        visited_on=on,
        method="电话回访",
        performance=PerformanceFinding.PERFORMED,
        satisfaction=Satisfaction.SATISFIED,
        today=on,
    )
    return Case.objects.get(pk=case.pk)


TAKE["reach_agreement"] = reach_agreement
TAKE["confirm_performed"] = confirm_performed
TAKE["record_return_visit"] = record_return_visit
