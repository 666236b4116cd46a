"""Before mediating (DESIGN §6): each party's consent (Art. 17), the rights-and-duties notice
(MOJ 2002 Art. 30), public or private mediation (Art. 23), invited third parties (Art. 20),
reports to the police (Art. 25, 警调对接) and referrals with courts, police and petition
offices (Art. 18, 诉调/警调/访调对接).

Every write checks the user may handle the case, locks it, validates, writes and logs one
event in one transaction; a refusal raises DomainError or ValidationError in Chinese."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.cases.models import CaseState
from jiefen.common.errors import DomainError
from jiefen.common.validators import normalise_phone, validate_phone
from jiefen.organisation.models import Unit, UnitKind

from ..models import (
    ConsentDecision,
    MediationPlan,
    PartyConsent,
    PoliceReport,
    PrivacyReason,
    Referral,
    ReferralDirection,
    ReferralKind,
    RightsNotice,
    ThirdParty,
)
from . import guard
from .guard import BEFORE_CONCLUSION

ART_17 = gettext_lazy("《中华人民共和国人民调解法》第十七条")


def other_routes() -> str:
    """What the parties are told when mediation does not happen (Art. 17, Art. 26)."""
    return _("当事人可以依法通过仲裁、行政处理或者向人民法院起诉等途径维护自己的权利。")


def _parties_of(case, party_ids, field):
    try:
        ids = {int(getattr(pk, "pk", pk)) for pk in party_ids or ()}
    except (TypeError, ValueError):
        raise ValidationError({field: _("所选当事人不属于该案件。")}) from None
    parties = list(case.parties.filter(pk__in=ids))
    if len(parties) != len(ids):
        raise ValidationError({field: _("所选当事人不属于该案件。")})
    return parties


# ---------------------------------------------------------------- reads


def latest_consents(case) -> dict:
    """party id -> that party's latest answer (PartyConsent); parties never asked are absent."""
    latest = {}
    for consent in PartyConsent.objects.filter(case=case).select_related("recorded_by").order_by("id"):
        latest[consent.party_id] = consent
    return latest


def rights_notice_of(case):
    return RightsNotice.objects.filter(case=case).select_related("served_by").prefetch_related("acknowledged_by").first()


def plan_of(case) -> MediationPlan:
    """The case's plan; unsaved and private when nobody has decided (Art. 23: private by default)."""
    return MediationPlan.objects.filter(case=case).first() or MediationPlan(case=case, is_public=False)


def must_be_private(case, *, plan=None) -> str:
    """Why this case may not be mediated in public, or "" if it may; `plan` when already read."""
    kind = case.dispute_type
    if kind.is_personal_status or kind.code == "marriage_family":
        return _("%(type)s纠纷涉及个人隐私和身份关系") % {"type": kind.name}
    if plan is None:
        plan = MediationPlan.objects.filter(case=case).first()
    if plan is not None and plan.private_reason:
        return _("该案件已认定“%(reason)s”") % {"reason": plan.get_private_reason_display()}
    return ""


_UNREAD = object()


def missing_before_mediation(case, *, notice=_UNREAD, latest=None) -> list[str]:
    """What the law still needs on file before mediation may start, in words; [] when ready.
    `notice` and `latest` (see latest_consents) when the caller has already read them."""
    parties = list(case.parties.all())
    missing = []
    if notice is _UNREAD:
        notice = rights_notice_of(case)
    if notice is None:
        missing.append(_("尚未向当事人送达权利义务告知书（司法部《人民调解工作若干规定》第三十条）"))
    else:
        acknowledged = {p.pk for p in notice.acknowledged_by.all()}
        unsigned = [p for p in parties if p.pk not in acknowledged]
        if unsigned:
            missing.append(_("以下当事人尚未签收权利义务告知书：%(names)s") % {"names": guard.party_names(unsigned)})
    if latest is None:
        latest = latest_consents(case)
    refused = [p for p in parties if p.pk in latest and latest[p.pk].decision == ConsentDecision.REFUSE]
    unasked = [p for p in parties if p.pk not in latest]
    if refused:
        missing.append(_("以下当事人拒绝调解：%(names)s（%(law)s）") % {"names": guard.party_names(refused), "law": ART_17})
    if unasked:
        missing.append(_("以下当事人尚未表示同意调解：%(names)s") % {"names": guard.party_names(unasked)})
    return missing


def check_ready_to_mediate(case, *, actor=None, data=None, today=None):
    """Precondition of 开始调解: the notice on file and every party's latest answer is yes."""
    missing = missing_before_mediation(case)
    if missing:
        raise DomainError(_("不能开始调解：%(missing)s。") % {"missing": "；".join(missing)}, code="not_ready_to_mediate")


PRECONDITIONS = [("start_mediation", check_ready_to_mediate)]  # (lifecycle action, check) pairs


# ---------------------------------------------------------------- consent (Art. 17)


def consent_record(*, case_id, party_id, decision, actor, method="", note="", today: date | None = None) -> PartyConsent:
    """Record one party's answer. The latest answer per party counts; all are kept.

    A refusal ends the attempt: a case not yet accepted is not accepted (不予受理, the parties
    told of the other routes); one accepted, assigned or in mediation is terminated.
    """
    from jiefen.cases.services import case_transition

    if decision not in ConsentDecision.values:
        raise ValidationError({"decision": _("请选择当事人同意或拒绝调解。")})
    method = guard.optional_text(method, "method", max_length=50)
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        guard.require_state(case, BEFORE_CONCLUSION, _("登记调解意愿"))
        if party_id in (None, ""):
            raise ValidationError({"party": _("请选择当事人。")})
        (party,) = _parties_of(case, [party_id], "party")
        consent = PartyConsent.objects.create(
            case=case, party=party, decision=decision, method=method, note=(note or "").strip(), recorded_by=actor
        )
        guard.note(
            case,
            actor,
            "consent_recorded",
            data={"party": party.pk, "party_name": party.name, "decision": decision, "method": method, "note": consent.note},
        )
        if decision == ConsentDecision.REFUSE:
            if case.state == CaseState.REGISTERED:
                reason = _("当事人%(name)s拒绝调解，依照%(law)s不予受理。") % {"name": party.name, "law": ART_17}
                case_transition(
                    case_id=case.pk, action="reject", actor=actor, reason=reason, pointed_to=other_routes(), today=today
                )
            else:
                reason = _("当事人%(name)s拒绝调解，依照%(law)s终止调解。%(routes)s") % {
                    "name": party.name,
                    "law": ART_17,
                    "routes": other_routes(),
                }
                case_transition(case_id=case.pk, action="terminate", actor=actor, reason=reason, today=today)
    return consent


# ---------------------------------------------------------------- rights notice (MOJ 2002 Art. 30)


def rights_notice_serve(*, case_id, actor, acknowledged_party_ids, served_at=None, method="") -> RightsNotice:
    """Put the served rights-and-duties notice on file. Serving it again (say, on a party who
    was absent) adds that party's acknowledgement; the first service date stays."""
    if not acknowledged_party_ids:
        raise ValidationError({"acknowledged_party_ids": _("请选择已签收告知书的当事人。")})
    served_at = guard.moment(served_at, "served_at")
    method = guard.optional_text(method, "method", max_length=50)
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        guard.require_state(case, BEFORE_CONCLUSION, _("送达权利义务告知书"))
        parties = _parties_of(case, acknowledged_party_ids, "acknowledged_party_ids")
        notice = RightsNotice.objects.filter(case=case).first()
        if notice is None:
            notice = RightsNotice(case=case, served_at=served_at, served_by=actor)
            if method:
                notice.method = method
            notice.save()
        elif method:
            notice.method = method
            notice.save(update_fields=["method"])
        notice.acknowledged_by.add(*parties)
        guard.note(
            case,
            actor,
            "rights_notice_served",
            data={
                "parties": [p.pk for p in parties],
                "party_names": guard.party_names(parties),
                "served_at": timezone.localtime(served_at).isoformat(timespec="minutes"),
                "method": notice.method,
            },
        )
    return notice


# ---------------------------------------------------------------- public or private (Art. 23)


def mediation_plan_set(*, case_id, actor, is_public, private_reason="") -> MediationPlan:
    """Decide public or private mediation. Private is the default; a marriage or family case,
    or one found to involve privacy, trade secrets or a party's wish, is never public."""
    private_reason = private_reason or ""
    if private_reason not in PrivacyReason.values and private_reason != "":
        raise ValidationError({"private_reason": _("请从列表中选择不公开的理由。")})
    if is_public and private_reason:
        raise ValidationError({"private_reason": _("已选择不公开的理由，不能同时决定公开调解。")})
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        guard.require_state(case, BEFORE_CONCLUSION, _("决定调解方式"))
        if is_public:
            why = must_be_private(case)
            if why:
                raise DomainError(
                    _("%(why)s，应当不公开调解，不能决定公开调解（《人民调解法》第二十三条）。") % {"why": why},
                    code="must_be_private",
                )
        plan, _created = MediationPlan.objects.update_or_create(
            case=case, defaults={"is_public": bool(is_public), "private_reason": private_reason, "decided_by": actor}
        )
        guard.note(case, actor, "mediation_plan_set", data={"is_public": bool(is_public), "private_reason": private_reason})
    return plan


# ---------------------------------------------------------------- third parties (Art. 20)


def third_party_invite(*, case_id, actor, name, relation, consenting_party_ids, phone="") -> ThirdParty:
    """Invite someone to help mediate; only with the consent of every party of the case."""
    name = guard.text(name, "name", _("请填写被邀请人的姓名。"), max_length=50)
    relation = guard.text(relation, "relation", _("请填写被邀请人的身份，如亲属、邻里、专业人士。"), max_length=100)
    phone = normalise_phone(phone)
    if phone:
        try:
            validate_phone(phone)
        except ValidationError as exc:
            raise ValidationError({"phone": exc.messages[0]}) from None
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        guard.require_state(case, BEFORE_CONCLUSION, _("邀请人员参与调解"))
        consenting = _parties_of(case, consenting_party_ids, "consenting_party_ids")
        agreed = {p.pk for p in consenting}
        missing = [p for p in case.parties.all() if p.pk not in agreed]
        if missing:
            raise DomainError(
                _("邀请%(name)s参与调解须经全部当事人同意（《人民调解法》第二十条），以下当事人未同意：%(names)s。")
                % {"name": name, "names": guard.party_names(missing)},
                code="needs_all_consent",
                field="consenting_party_ids",
            )
        third = ThirdParty.objects.create(case=case, name=name, relation=relation, phone=phone, invited_by=actor)
        third.consenting_parties.set(consenting)
        guard.note(case, actor, "third_party_invited", data={"name": name, "relation": relation})
    return third


# ---------------------------------------------------------------- referrals (Art. 18)

COUNTERPART_KINDS = {
    ReferralKind.POLICE: (UnitKind.POLICE_STATION,),
    ReferralKind.COURT: (UnitKind.PEOPLES_TRIBUNAL,),
}


def counterpart_units(case, kind: str | None = None):
    """Units of the case's subdistrict a referral of this kind may name as its counterpart."""
    from django.db.models import Q

    units = Unit.objects.filter(is_active=True).filter(
        Q(area_id=case.subdistrict_id) | Q(area__subdistrict_id=case.subdistrict_id)
    )
    if kind in COUNTERPART_KINDS:
        units = units.filter(kind__in=COUNTERPART_KINDS[kind])
    else:
        units = units.filter(
            kind__in=[UnitKind.POLICE_STATION, UnitKind.PEOPLES_TRIBUNAL, UnitKind.JUSTICE_OFFICE, UnitKind.GOVERNANCE_CENTRE, UnitKind.GOVERNANCE_OFFICE]
        )
    return units.order_by("kind", "id")


def referral_is_overdue(referral: Referral, today: date | None = None) -> bool:
    """A referral whose feedback date has passed without feedback."""
    today = today or timezone.localdate()
    return referral.feedback_due is not None and referral.feedback_on is None and referral.feedback_due < today


def referrals_overdue(queryset=None, today: date | None = None):
    today = today or timezone.localdate()
    queryset = Referral.objects.all() if queryset is None else queryset
    return queryset.filter(feedback_due__lt=today, feedback_on__isnull=True)


def _referral(case, actor, *, direction, kind, sent_on, counterpart_id, counterpart_name, feedback_due, reason) -> Referral:
    if direction not in ReferralDirection.values:
        raise ValidationError({"direction": _("请选择移入或移出。")})
    if kind not in ReferralKind.values:
        raise ValidationError({"kind": _("请选择对接类型。")})
    if sent_on is None:
        raise ValidationError({"sent_on": _("请填写移送或接收日期。")})
    if sent_on > timezone.localdate():
        raise ValidationError({"sent_on": _("移送或接收日期不能晚于今天。")})
    if feedback_due is not None and feedback_due < sent_on:
        raise ValidationError({"feedback_due": _("反馈期限不能早于移送或接收日期。")})
    counterpart = None
    if counterpart_id not in (None, ""):
        counterpart = counterpart_units(case, kind).filter(pk=counterpart_id).first()
        if counterpart is None:
            raise ValidationError(
                {"counterpart": _("所选对接单位不是本街道的%(kind)s单位。") % {"kind": ReferralKind(kind).label}}
            )
    counterpart_name = guard.optional_text(counterpart_name, "counterpart_name", max_length=100)
    if counterpart is not None and not counterpart_name:
        counterpart_name = counterpart.name
    if not counterpart_name:
        raise ValidationError({"counterpart_name": _("请选择对接单位或填写对接单位名称。")})
    return Referral.objects.create(
        case=case,
        direction=direction,
        kind=kind,
        counterpart=counterpart,
        counterpart_name=counterpart_name,
        sent_on=sent_on,
        feedback_due=feedback_due,
        reason=(reason or "").strip(),
        created_by=actor,
    )


def _referral_data(referral):
    return {
        "referral": referral.pk,
        "direction": referral.direction,
        "kind": referral.kind,
        "counterpart_name": referral.counterpart_name,
        "sent_on": referral.sent_on.isoformat(),
        "feedback_due": referral.feedback_due.isoformat() if referral.feedback_due else "",
    }


def referral_create(
    *, case_id, actor, direction, kind, sent_on, counterpart_id=None, counterpart_name="", feedback_due=None, reason=""
) -> Referral:
    """A hand-over with a court, the police or a petition office, in either direction."""
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        referral = _referral(
            case,
            actor,
            direction=direction,
            kind=kind,
            sent_on=sent_on,
            counterpart_id=counterpart_id,
            counterpart_name=counterpart_name,
            feedback_due=feedback_due,
            reason=reason,
        )
        guard.note(case, actor, "referral_created", data=_referral_data(referral), reason=referral.reason)
    return referral


def referral_record_feedback(*, referral_id, actor, feedback_on, feedback) -> Referral:
    feedback = guard.text(feedback, "feedback", _("请填写反馈情况。"))
    if feedback_on is None:
        raise ValidationError({"feedback_on": _("请填写反馈日期。")})
    if feedback_on > timezone.localdate():
        raise ValidationError({"feedback_on": _("反馈日期不能晚于今天。")})
    referral = Referral.objects.filter(pk=referral_id).only("case_id").first()
    if referral is None:
        raise DomainError(_("对接记录不存在。"), code="not_found")
    with transaction.atomic():
        case = guard.lock_case(referral.case_id, actor)
        referral = Referral.objects.get(pk=referral_id)
        if referral.feedback_on is not None:
            raise DomainError(
                _("该对接记录已于%(date)s登记反馈，不能重复登记。") % {"date": referral.feedback_on.isoformat()},
                code="feedback_exists",
            )
        if feedback_on < referral.sent_on:
            raise ValidationError({"feedback_on": _("反馈日期不能早于移送或接收日期。")})
        late = referral_is_overdue(referral, feedback_on)
        referral.feedback_on, referral.feedback = feedback_on, feedback
        referral.save(update_fields=["feedback_on", "feedback"])
        guard.note(
            case,
            actor,
            "referral_feedback",
            data={**_referral_data(referral), "feedback_on": feedback_on.isoformat(), "late": late},
            reason=feedback,
        )
    return referral


# ---------------------------------------------------------------- police report (Art. 25)


def police_report_file(
    *, case_id, actor, police_station_id, risk_description, measures="", reported_at=None, feedback_due=None
) -> PoliceReport:
    """Report a risk of a public-security or criminal case to the police station of the case's
    subdistrict; the report is also an outgoing 警调对接 referral, and the case is flagged."""
    risk_description = guard.text(risk_description, "risk_description", _("请写明民转刑风险的情况。"))
    reported_at = guard.moment(reported_at, "reported_at")
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        station = counterpart_units(case, ReferralKind.POLICE).filter(pk=police_station_id).first() if police_station_id else None
        if station is None:
            raise ValidationError({"police_station": _("请选择本街道的派出所。")})
        referral = _referral(
            case,
            actor,
            direction=ReferralDirection.OUT,
            kind=ReferralKind.POLICE,
            sent_on=timezone.localtime(reported_at).date(),
            counterpart_id=station.pk,
            counterpart_name=station.name,
            feedback_due=feedback_due,
            reason=risk_description,
        )
        report = PoliceReport.objects.create(
            case=case,
            police_station=station,
            reported_at=reported_at,
            risk_description=risk_description,
            measures=(measures or "").strip(),
            referral=referral,
            reported_by=actor,
        )
        guard.note(
            case,
            actor,
            "police_reported",
            data={"station": station.pk, "station_name": station.name, "referral": referral.pk},
            reason=risk_description,
        )
        if not case.criminal_risk:
            guard.bump_version(case, criminal_risk=True)
            guard.note(case, actor, "criminal_risk_flagged", data={"police_report": report.pk, "station_name": station.name})
    return report
