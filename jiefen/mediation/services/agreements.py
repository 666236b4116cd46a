"""Agreements (人民调解法 Art. 28–30, MOJ 2002 Art. 35), their performance (Art. 31) and
judicial confirmation (Art. 33).

An agreement is drafted while the case is 调解中. A written one takes effect only when every
party of the case has signed, sealed or fingerprinted it, the mediator has signed it and the
committee's seal is on it; an oral one takes effect when the mediator registers it. Taking
effect moves the case to 达成协议 through the lifecycle, in the same transaction, and the
lifecycle refuses 达成协议 by hand without an effective agreement.

Each obligation of the agreement is a performance item (what, who, how, by when, where). When
the last one is performed the case moves to 已履行; a daily sweep reminds the mediator before an
item falls due and records one 不到位 incident for each item left unperformed past its date.

Every write checks the user may handle the case, locks the case row, validates, writes and logs
a NOTE event on the case in one transaction; a refusal raises DomainError or ValidationError
with a Chinese message naming the field.
"""

import hashlib
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.assessment.models import Incident, IncidentKind, IncidentStatus
from jiefen.cases.models import Case, CaseEvent, CaseState, EventKind, Party
from jiefen.cases.services import case_transition, user_can_handle
from jiefen.common.errors import DomainError, IllegalTransition, PermissionDenied
from jiefen.notifications.models import Notification, NotificationKind
from jiefen.notifications.outbox import outbox_enqueue_written_at
from jiefen.organisation.models import Unit, UnitKind
from jiefen.workdays.services import add_working_days, next_working_day

from ..models import (
    Agreement,
    AgreementSignature,
    ConfirmationOutcome,
    Evidence,
    ItemStatus,
    JudicialConfirmation,
    PerformanceItem,
    SignerKind,
    SignMethod,
)

WRITTEN, ORAL = "written", "oral"
FORMS = (WRITTEN, ORAL)
# A time typed a few minutes ahead of the server clock is still "now".
CLOCK_SKEW = timedelta(minutes=5)
# The states in which the agreement's performance is being supervised.
PERFORMANCE_STATES = (CaseState.AGREED, CaseState.PERFORMING)
# Incidents for an overdue item carry the item in their stage, so two items of one case due the
# same day are two incidents (the incident is unique per case, kind, stage and due date).
ITEM_STAGE_PREFIX = "performance:"

SCAN_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}


def item_stage(item_id: int) -> str:
    return f"{ITEM_STAGE_PREFIX}{item_id}"


# ---------------------------------------------------------------- helpers


def _lock_case(case_id: int, actor) -> Case:
    """The case locked for this transaction, once we know the actor may handle it. Every write on
    a case's agreements, items, confirmation and visits takes this lock first, so two people
    recording on one case at once are served one after the other, each seeing the other's work."""
    try:
        # `of` keeps PostgreSQL from also locking the joined rows (the unit, the village).
        case = (
            Case.objects.select_for_update(of=("self",))
            .select_related("dispute_type", "assigned_unit", "mediator")
            .get(pk=case_id)
        )
    except (Case.DoesNotExist, ValueError, TypeError):
        raise DomainError(_("案件不存在。"), code="not_found") from None
    if not user_can_handle(actor, case):
        raise PermissionDenied(_("您无权办理该案件。"))
    if case.state == CaseState.ARCHIVED:
        raise IllegalTransition(_("已归档案件不能修改。"))
    return case


def _case_id_of(model, pk, what: str) -> int:
    try:
        row = model.objects.filter(pk=pk).values_list(*_case_path(model)).first()
    except (ValueError, TypeError):
        row = None
    if row is None:
        raise DomainError(_("%(what)s不存在。") % {"what": what}, code="not_found")
    return row[0]


def _case_path(model):
    return {
        Agreement: ("case_id",),
        PerformanceItem: ("agreement__case_id",),
        JudicialConfirmation: ("agreement__case_id",),
    }[model]


def _require_state(case: Case, states, what: str) -> None:
    if case.state not in states:
        raise IllegalTransition(
            _("案件当前状态为“%(state)s”，不能%(what)s。") % {"state": case.get_state_display(), "what": what}
        )


def _note(case: Case, actor, action: str, *, data=None, reason: str = "") -> CaseEvent:
    return CaseEvent.objects.create(
        case=case, kind=EventKind.NOTE, action=action, actor=actor, reason=(reason or "").strip(), data=data or {}
    )


def _moment(value, field: str) -> datetime:
    """An aware datetime not in the future (a record is of what has happened); now if None."""
    now = timezone.now()
    if value is None:
        return now
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time(12, 0))
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > now + CLOCK_SKEW:
        raise ValidationError({field: _("时间不能晚于现在。")})
    return value


def _as_date(value, field: str, *, required: bool = True) -> date | None:
    if value in (None, ""):
        if required:
            raise ValidationError({field: _("请填写日期。")})
        return None
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationError({field: _("日期格式应为“年-月-日”，如 2026-03-15。")}) from None


def _pk(value):
    return getattr(value, "pk", value)


def _name(user) -> str:
    return (user.get_full_name() or user.username) if user else _("系统")


def local_date(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def committee_of(unit: Unit) -> Unit:
    """The 人民调解委员会 whose seal goes on an agreement made by `unit`: a 小马调解室 works under
    the committee of its village or subdistrict; a committee is its own."""
    committee_kind = {
        UnitKind.VILLAGE_MEDIATION_ROOM: UnitKind.VILLAGE_MEDIATION_COMMITTEE,
        UnitKind.SUBDISTRICT_MEDIATION_ROOM: UnitKind.SUBDISTRICT_MEDIATION_COMMITTEE,
    }.get(unit.kind)
    if committee_kind is None:
        return unit
    return Unit.objects.filter(area_id=unit.area_id, kind=committee_kind, is_active=True).order_by("id").first() or unit


# ---------------------------------------------------------------- reads


def current_agreement(case) -> Agreement | None:
    """The agreement that counts: the effective one, else the latest draft (a new draft
    replaces an unsigned earlier one)."""
    agreements = Agreement.objects.filter(case=case)
    return agreements.filter(effective_at__isnull=False).order_by("-id").first() or agreements.order_by("-id").first()


def effective_agreement(case) -> Agreement | None:
    return Agreement.objects.filter(case=case, effective_at__isnull=False).order_by("-id").first()


def missing_signatures(agreement: Agreement, *, parties=None) -> list[str]:
    """What a written agreement still lacks before it takes effect (Art. 29), in words;
    `parties` the case's parties in id order when already read."""
    if agreement.form != WRITTEN:
        return []
    signatures = list(agreement.signatures.all())
    signed_parties = {s.party_id for s in signatures if s.signer_kind == SignerKind.PARTY}
    kinds = {s.signer_kind for s in signatures}
    missing = [
        _("当事人%(name)s签名、盖章或按指印") % {"name": party.name}
        for party in (Party.objects.filter(case_id=agreement.case_id).order_by("id") if parties is None else parties)
        if party.id not in signed_parties
    ]
    if SignerKind.MEDIATOR not in kinds:
        missing.append(_("调解员%(name)s签名") % {"name": _name(agreement.mediator)})
    if SignerKind.COMMITTEE_SEAL not in kinds:
        missing.append(_("加盖%(committee)s印章") % {"committee": agreement.committee.name})
    return missing


def performance_due_of(agreement: Agreement) -> date | None:
    return agreement.items.aggregate(due=Max("due_date"))["due"]


# ---------------------------------------------------------------- drafting


ITEM_LIMITS = {"what": 300, "how": 200, "place": 200}


def _clean_items(case: Case, form: str, items, today: date) -> tuple[list[dict], dict]:
    errors = {}
    if not items:
        errors["items"] = _("协议至少要有一项履行事项，写明由谁、以何种方式、在何时履行。")
        return [], errors
    parties = {party.id: party for party in case.parties.all()}
    cleaned = []
    for index, raw in enumerate(items):
        key = f"items-{index}-"
        text = {field: (raw.get(field) or "").strip() for field in ITEM_LIMITS}
        if not text["what"]:
            errors[key + "what"] = _("请写明履行事项。")
        if not text["how"]:
            errors[key + "how"] = _("请写明履行方式。")
        if form == WRITTEN and not text["place"]:
            errors[key + "place"] = _("书面协议应写明履行地点（司法部《人民调解工作若干规定》第三十五条）。")
        for field, limit in ITEM_LIMITS.items():
            if len(text[field]) > limit:
                errors[key + field] = _("不能超过%(n)d个字。") % {"n": limit}
        obligor = parties.get(_safe_int(_pk(raw.get("obligor_party_id") or raw.get("obligor"))))
        if obligor is None:
            errors[key + "obligor_party_id"] = _("请选择本案的一名当事人作为履行人。")
        try:
            due = _as_date(raw.get("due_date"), key + "due_date")
        except ValidationError as exc:
            errors.update(exc.message_dict)
            due = None
        else:
            if due < today:
                errors[key + "due_date"] = _("履行期限不能早于今天。")
        cleaned.append({**text, "obligor": obligor, "due_date": due})
    return cleaned, errors


def _safe_int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def agreement_draft(
    *,
    case_id: int,
    actor,
    form: str,
    facts: str,
    matters_in_dispute: str,
    responsibilities: str = "",
    terms: str,
    items: list[dict],
    today: date | None = None,
) -> Agreement:
    """Draft the agreement reached in mediation, with its performance items (MOJ Art. 35).

    Only while the case is 调解中. A new draft replaces an earlier one that has not taken
    effect: only the latest can be signed or registered.
    """
    today = today or timezone.localdate()
    errors = {}
    if form not in FORMS:
        errors["form"] = _("请选择协议形式（书面或口头）。")
    values = {
        "facts": (facts or "").strip(),
        "matters_in_dispute": (matters_in_dispute or "").strip(),
        "responsibilities": (responsibilities or "").strip(),
        "terms": (terms or "").strip(),
    }
    for field, message in (
        ("facts", _("请写明纠纷的主要事实。")),
        ("matters_in_dispute", _("请写明争议事项。")),
        ("terms", _("请写明双方达成的协议内容。")),
    ):
        if not values[field]:
            errors[field] = message
    if form == WRITTEN and not values["responsibilities"]:
        errors["responsibilities"] = _("书面协议应写明各方当事人的责任（《人民调解法》第二十九条）。")
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        _require_state(case, (CaseState.MEDIATING,), _("制作调解协议（只有调解中的案件可以制作）"))
        cleaned, item_errors = _clean_items(case, form, items, today)
        errors.update(item_errors)
        if errors:
            raise ValidationError(errors)
        replaced = list(
            Agreement.objects.filter(case=case, effective_at__isnull=True).values_list("id", flat=True)
        )
        agreement = Agreement.objects.create(
            case=case,
            form=form,
            committee=committee_of(case.assigned_unit),
            mediator=case.mediator or actor,
            created_by=actor,
            **values,
        )
        PerformanceItem.objects.bulk_create([PerformanceItem(agreement=agreement, **item) for item in cleaned])
        _note(
            case,
            actor,
            "agreement_drafted",
            data={
                "agreement": agreement.id,
                "agreement_form": form,
                "items": len(cleaned),
                "latest_due": max(item["due_date"] for item in cleaned).isoformat(),
                "replaces": replaced,
            },
        )
    return agreement


def _latest_unsigned(case: Case, agreement_id: int, what: str) -> Agreement:
    agreement = Agreement.objects.select_related("committee", "mediator").get(pk=agreement_id)
    if agreement.effective_at is not None:
        raise DomainError(_("该协议已于%(at)s生效。") % {"at": timezone.localtime(agreement.effective_at).strftime("%Y-%m-%d %H:%M")}, code="already_effective")
    latest = Agreement.objects.filter(case=case).order_by("-id").values_list("id", flat=True).first()
    if latest != agreement.id:
        raise DomainError(_("该协议稿已被新的协议稿取代，请在最新的协议稿上%(what)s。") % {"what": what}, code="superseded")
    _require_state(case, (CaseState.MEDIATING,), what)
    return agreement


def _take_effect(case: Case, agreement: Agreement, actor, effective_at: datetime) -> None:
    """Mark the agreement effective and move the case to 达成协议, in the caller's transaction:
    if the lifecycle refuses (another precondition unmet), nothing is recorded."""
    due = performance_due_of(agreement)
    agreement.effective_at = effective_at
    agreement.save(update_fields=["effective_at"])
    _note(
        case,
        actor,
        "agreement_effective",
        data={"agreement": agreement.id, "agreement_form": agreement.form, "effective_at": effective_at.isoformat()},
    )
    # The agreement is reached on the day it takes effect: the mediation limit is judged on that
    # day, and no performance date may lie before it.
    case_transition(
        case_id=case.id,
        action="reach_agreement",
        actor=actor,
        agreement_form=agreement.form,
        performance_due=due,
        today=local_date(effective_at),
    )


def agreement_sign(
    *, agreement_id: int, actor, signer_kind: str, method: str, party_id=None, signed_at: datetime | None = None
) -> Agreement:
    """Record one signature, seal or fingerprint on a written agreement (Art. 29). The last one
    needed makes it effective (at the time of that signature) and moves the case to 达成协议."""
    case_id = _case_id_of(Agreement, agreement_id, _("协议"))
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        agreement = _latest_unsigned(case, agreement_id, _("登记签署"))
        if agreement.form != WRITTEN:
            raise DomainError(_("口头协议无需签署，请登记口头协议。"), code="oral")
        if signer_kind not in SignerKind.values:
            raise ValidationError({"signer_kind": _("请选择签署方（当事人、调解员或调解委员会印章）。")})
        if method not in SignMethod.values:
            raise ValidationError({"method": _("请选择签署方式（签名、盖章或按指印）。")})
        party = None
        if signer_kind == SignerKind.PARTY:
            party = case.parties.filter(pk=_safe_int(_pk(party_id))).first()
            if party is None:
                raise ValidationError({"party_id": _("请选择本案的一名当事人。")})
            if agreement.signatures.filter(party=party).exists():
                raise ValidationError({"party_id": _("已登记当事人%(name)s的签署。") % {"name": party.name}})
        else:
            if party_id not in (None, ""):
                raise ValidationError({"party_id": _("只有当事人签署时才选择当事人。")})
            if signer_kind == SignerKind.MEDIATOR and method != SignMethod.SIGNATURE:
                raise ValidationError({"method": _("调解员应在协议书上签名。")})
            if signer_kind == SignerKind.COMMITTEE_SEAL and method != SignMethod.SEAL:
                raise ValidationError({"method": _("调解委员会应加盖印章。")})
            if agreement.signatures.filter(signer_kind=signer_kind, party__isnull=True).exists():
                label = SignerKind(signer_kind).label
                raise ValidationError({"signer_kind": _("已登记%(who)s的签署。") % {"who": label}})
        signed_at = _moment(signed_at, "signed_at")
        try:
            with transaction.atomic():
                signature = AgreementSignature.objects.create(
                    agreement=agreement, signer_kind=signer_kind, party=party, method=method, signed_at=signed_at, recorded_by=actor
                )
        except IntegrityError:  # pragma: no cover - the case lock serialises signers; kept for safety
            raise ValidationError({"signer_kind": _("该签署方已登记。")}) from None
        _note(
            case,
            actor,
            "agreement_signed",
            data={
                "agreement": agreement.id,
                "signature": signature.id,
                "signer_kind": signer_kind,
                "party": party.id if party else None,
                "party_name": party.name if party else "",
                "method": method,
                "signed_at": signed_at.isoformat(),
            },
        )
        if not missing_signatures(agreement):
            effective_at = max(agreement.signatures.values_list("signed_at", flat=True))
            _take_effect(case, agreement, actor, effective_at)
    return agreement


def agreement_register_oral(*, agreement_id: int, actor, registered_at: datetime | None = None) -> Agreement:
    """Register an oral agreement (Art. 28, 30): it takes effect now and the case moves to 达成协议."""
    case_id = _case_id_of(Agreement, agreement_id, _("协议"))
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        agreement = _latest_unsigned(case, agreement_id, _("登记口头协议"))
        if agreement.form != ORAL:
            raise DomainError(_("书面协议须经各方当事人、调解员签署并加盖调解委员会印章后生效，不能按口头协议登记。"), code="written")
        registered_at = _moment(registered_at, "registered_at")
        _note(case, actor, "agreement_registered", data={"agreement": agreement.id, "registered_at": registered_at.isoformat()})
        _take_effect(case, agreement, actor, registered_at)
    return agreement


def agreement_attach_scan(*, agreement_id: int, actor, uploaded_file) -> Agreement:
    """Attach the scan of the signed and sealed agreement (or the signed oral-agreement
    register): a PDF, JPEG or PNG, recognised by its content, not its name."""
    import filetype

    limit = settings.JIEFEN_AGREEMENT_SCAN_MAX_BYTES
    if uploaded_file is None:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    if uploaded_file.size > limit:
        raise ValidationError({"file": _("文件不能超过%(mb)s MB。") % {"mb": limit // (1024 * 1024)}})
    head = uploaded_file.read(8192)
    uploaded_file.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in SCAN_TYPES:
        raise ValidationError({"file": _("只能上传PDF、JPEG或PNG格式的扫描件。")})
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    case_id = _case_id_of(Agreement, agreement_id, _("协议"))
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        agreement = Agreement.objects.get(pk=agreement_id)
        replaced = agreement.signed_scan.name or ""
        agreement.signed_scan.save(f"scan{SCAN_TYPES[kind.mime]}", uploaded_file, save=False)
        agreement.save(update_fields=["signed_scan"])
        _note(
            case,
            actor,
            "agreement_scan_attached",
            data={
                "agreement": agreement.id,
                "content_type": kind.mime,
                "size": uploaded_file.size,
                "sha256": digest.hexdigest(),
                "original_name": (getattr(uploaded_file, "name", "") or "")[:200],
                "replaces": replaced,
            },
        )
    return agreement


# ---------------------------------------------------------------- performance (Art. 31)


def _record_item_incident(case: Case, item: PerformanceItem, today: date) -> None:
    Incident.objects.get_or_create(
        case=case,
        kind=IncidentKind.MISSED_LIMIT,
        stage=item_stage(item.id),
        due_date=item.due_date,
        defaults={
            "unit_id": case.assigned_unit_id,
            "responsible_user_id": case.mediator_id,
            "detected_on": today,
            "assessment_year": today.year,
            "status": IncidentStatus.PENDING,
            "evidence": {"item": item.id, "what": item.what, "agreement": item.agreement_id},
        },
    )


def performance_item_mark(
    *, item_id: int, actor, performed_on, note: str = "", evidence_id=None, today: date | None = None
) -> PerformanceItem:
    """Record that one obligation has been performed. When it is the last, the case moves to
    已履行 (counted from the day the performance was completed)."""
    today = today or timezone.localdate()
    performed_on = _as_date(performed_on, "performed_on")
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("不能超过%(n)d个字。") % {"n": 300}})
    case_id = _case_id_of(PerformanceItem, item_id, _("履行事项"))
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        item = PerformanceItem.objects.select_related("agreement", "obligor").get(pk=item_id)
        agreement = item.agreement
        if agreement.effective_at is None:
            raise DomainError(_("协议尚未生效，不能登记履行。"), code="not_effective")
        _require_state(case, PERFORMANCE_STATES, _("登记履行"))
        if item.status == ItemStatus.PERFORMED:
            raise DomainError(_("该事项已于%(day)s登记履行。") % {"day": item.performed_on}, code="already_performed")
        if performed_on > today:
            raise ValidationError({"performed_on": _("履行日期不能晚于今天。")})
        if performed_on < local_date(agreement.effective_at):
            raise ValidationError({"performed_on": _("履行日期不能早于协议生效日期。")})
        evidence = None
        if evidence_id not in (None, ""):
            evidence = Evidence.objects.filter(pk=_safe_int(_pk(evidence_id)), case=case).first()
            if evidence is None:
                raise ValidationError({"evidence_id": _("所选凭证不属于该案件。")})
        if performed_on > item.due_date:
            # Late, whether or not the sweep saw it first: one incident per item either way.
            _record_item_incident(case, item, today)
        item.status, item.performed_on, item.note, item.evidence = ItemStatus.PERFORMED, performed_on, note, evidence
        item.save(update_fields=["status", "performed_on", "note", "evidence"])
        _note(
            case,
            actor,
            "performance_item_performed",
            data={
                "agreement": agreement.id,
                "item": item.id,
                "what": item.what,
                "obligor": item.obligor.name,
                "performed_on": performed_on.isoformat(),
                "due_date": item.due_date.isoformat(),
                "late": performed_on > item.due_date,
                "evidence": evidence.id if evidence else None,
            },
            reason=note,
        )
        if not agreement.items.exclude(status=ItemStatus.PERFORMED).exists():
            completed = max(agreement.items.values_list("performed_on", flat=True))
            case_transition(case_id=case.id, action="confirm_performed", actor=actor, today=completed)
    return item


def _table(model):
    return connection.ops.quote_name(model._meta.db_table)


def performance_sweep(today: date | None = None) -> dict:
    """Remind the mediator before an item falls due, and mark each item left unperformed past its
    date overdue with one 不到位 incident against the unit and mediator holding the case.

    Set-based, like the deadline sweep: a fixed handful of statements whatever the number of
    items, and running it twice the same day changes nothing the second time.
    """
    today = today or timezone.localdate()
    now = timezone.now()
    soon = add_working_days(today, settings.JIEFEN_PERFORMANCE_REMIND_WORKING_DAYS)
    item_t, agreement_t, case_t = _table(PerformanceItem), _table(Agreement), _table(Case)
    incident_t, notice_t = _table(Incident), _table(Notification)
    live = f"""JOIN {agreement_t} a ON a.id = i.agreement_id AND a.effective_at IS NOT NULL
               JOIN {case_t} c ON c.id = a.case_id AND c.state IN (%s, %s)"""
    states = list(PERFORMANCE_STATES)
    counts = {}
    due_text = _("案件 %(number)s 有协议履行事项将于 %(date)s 到期，请督促当事人按期履行。")
    late_text = _("案件 %(number)s 有协议履行事项已逾期未履行（履行期限 %(date)s），请督促履行。")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""UPDATE {item_t} SET status = %s
                WHERE status = %s AND due_date < %s AND id IN (SELECT i.id FROM {item_t} i {live})""",
            [ItemStatus.OVERDUE, ItemStatus.PENDING, today, *states],
        )
        counts["newly_overdue"] = cursor.rowcount
        cursor.execute(
            f"""INSERT INTO {incident_t}
                    (kind, case_id, unit_id, responsible_user_id, stage, due_date, detected_on,
                     assessment_year, status, evidence, created_at)
                SELECT %s, c.id, c.assigned_unit_id, c.mediator_id, %s || CAST(i.id AS TEXT), i.due_date, %s, %s, %s, '{{}}', %s
                FROM {item_t} i {live}
                WHERE i.status = %s
                  AND NOT EXISTS (
                    SELECT 1 FROM {incident_t} x
                    WHERE x.case_id = c.id AND x.kind = %s AND x.stage = %s || CAST(i.id AS TEXT) AND x.due_date = i.due_date)""",
            [
                IncidentKind.MISSED_LIMIT, ITEM_STAGE_PREFIX, today, today.year, IncidentStatus.PENDING, now,
                *states, ItemStatus.OVERDUE, IncidentKind.MISSED_LIMIT, ITEM_STAGE_PREFIX,
            ],
        )
        counts["incidents"] = cursor.rowcount
        for kind, text, condition, params in (
            (NotificationKind.DUE_SOON, due_text, "i.status = %s AND i.due_date >= %s AND i.due_date <= %s", [ItemStatus.PENDING, today, soon]),
            (NotificationKind.OVERDUE, late_text, "i.status = %s", [ItemStatus.OVERDUE]),
        ):
            head, rest = text.split("%(number)s")
            middle, tail = rest.split("%(date)s")
            # One notice per mediator, case and date: two items due the same day are one reminder.
            cursor.execute(
                f"""INSERT INTO {notice_t} (user_id, kind, case_id, message, due_date, created_at, read_at)
                    SELECT x.user_id, %s, x.case_id, %s || x.number || %s || CAST(x.due_date AS TEXT) || %s, x.due_date, %s, NULL
                    FROM (
                        SELECT DISTINCT c.mediator_id AS user_id, c.id AS case_id, c.number AS number, i.due_date AS due_date
                        FROM {item_t} i {live}
                        WHERE c.mediator_id IS NOT NULL AND {condition}) x
                    WHERE NOT EXISTS (
                        SELECT 1 FROM {notice_t} n
                        WHERE n.user_id = x.user_id AND n.case_id = x.case_id AND n.kind = %s AND n.due_date = x.due_date)""",
                [kind, head, middle, tail, now, *states, *params, kind],
            )
            counts[f"notified_{kind}"] = cursor.rowcount
        if counts[f"notified_{NotificationKind.DUE_SOON}"] or counts[f"notified_{NotificationKind.OVERDUE}"]:
            # Their email and webhook deliveries, in the same transaction and one statement.
            outbox_enqueue_written_at(cursor, created_at=now, kinds=[NotificationKind.DUE_SOON, NotificationKind.OVERDUE])
        cursor.execute(
            f"""UPDATE {item_t} SET reminded_on = %s
                WHERE status = %s AND reminded_on IS NULL AND due_date >= %s AND due_date <= %s
                  AND id IN (SELECT i.id FROM {item_t} i {live})""",
            [today, ItemStatus.PENDING, today, soon, *states],
        )
        counts["reminded_items"] = cursor.rowcount
    return counts


# ---------------------------------------------------------------- indicators


def agreement_performance_rate(cases=None, as_of: date | None = None, **filters):
    """协议履行率 (DESIGN §9) as of a day: of the agreements whose performance date (the latest
    item's due date) has come by `as_of`, the share whose every item had been performed by
    then; None when none has come (0/0 is not 0 %).

    The definition lives once, in jiefen.reports.indicators; this is its door for the mediation
    app. `cases` is a queryset of cases (e.g. a selector's, already scoped); `filters` are
    applied to Case when no queryset is given. Returns the numerator, the denominator and the
    rate (a float between 0 and 1, or None).
    """
    from jiefen.reports.indicators import agreement_performance_rate as indicator

    as_of = as_of or timezone.localdate()
    if cases is None:
        cases = Case.objects.filter(**filters)
    rate = indicator(cases, as_of)
    return {"performed": rate.numerator, "due": rate.denominator, "rate": rate.value}


# ---------------------------------------------------------------- judicial confirmation (Art. 33)


def period_end(start: date, days: int) -> date:
    """The last day of a period of `days` days counted from `start` (the start day itself not
    counted); one ending on a holiday runs to the next working day (民事诉讼法 第八十五条)."""
    return next_working_day(start + timedelta(days=days))


APPLICATION_DAYS = 30
ACCEPTANCE_DAYS = 3
DECISION_DAYS = 15
EXTENSION_DAYS = 10


def confirmation_window_end(agreement: Agreement) -> date | None:
    if agreement.effective_at is None:
        return None
    return period_end(local_date(agreement.effective_at), APPLICATION_DAYS)


def confirmation_milestones(confirmation: JudicialConfirmation, today: date | None = None) -> list[dict]:
    """The court's own limits (最高人民法院《关于人民调解协议司法确认程序的若干规定》): acceptance
    decided within 3 days of the application, confirmation within 15 days of acceptance (25 if
    the president extends it). Shown with whether they were met; they are the court's limits,
    so missing one is no incident against our units."""
    today = today or timezone.localdate()
    acceptance_due = period_end(confirmation.applied_on, ACCEPTANCE_DAYS)
    acceptance_done = confirmation.accepted_on or (
        confirmation.decided_on if confirmation.outcome == ConfirmationOutcome.NOT_ACCEPTED else None
    )
    rows = [_milestone("acceptance", _("法院决定是否受理"), acceptance_due, acceptance_done, today)]
    if confirmation.accepted_on:
        days = DECISION_DAYS + (EXTENSION_DAYS if confirmation.extended else 0)
        decision_due = period_end(confirmation.accepted_on, days)
        label = _("法院作出是否确认的决定（经批准延长10日）") if confirmation.extended else _("法院作出是否确认的决定")
        done = confirmation.decided_on if confirmation.outcome in (ConfirmationOutcome.CONFIRMED, ConfirmationOutcome.REJECTED) else None
        rows.append(_milestone("decision", label, decision_due, done, today))
    return rows


def _milestone(key, label, due, done, today):
    if done:
        missed = done > due
    else:
        missed = today > due
    return {"key": key, "label": label, "due": due, "done": done, "missed": missed}


def judicial_confirmation_apply(
    *, agreement_id: int, actor, court_id, applied_on, applicant_party_ids, today: date | None = None
) -> JudicialConfirmation:
    """Record the parties' joint application to the court to confirm the agreement (Art. 33)."""
    today = today or timezone.localdate()
    applied_on = _as_date(applied_on, "applied_on")
    case_id = _case_id_of(Agreement, agreement_id, _("协议"))
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        agreement = Agreement.objects.get(pk=agreement_id)
        if agreement.effective_at is None:
            raise DomainError(_("协议尚未生效，不能申请司法确认。"), code="not_effective")
        if JudicialConfirmation.objects.filter(agreement=agreement).exists():
            raise DomainError(_("该协议已登记司法确认申请。"), code="already_applied")
        if case.dispute_type.is_personal_status:
            raise DomainError(
                _("%(type)s纠纷涉及婚姻、收养等身份关系，依法不能申请司法确认。") % {"type": case.dispute_type.name},
                code="personal_status",
            )
        court = Unit.objects.filter(pk=_safe_int(_pk(court_id)), kind=UnitKind.PEOPLES_TRIBUNAL, is_active=True).first()
        if court is None:
            raise ValidationError({"court_id": _("请选择受理司法确认的人民法庭。")})
        if applied_on > today:
            raise ValidationError({"applied_on": _("申请日期不能晚于今天。")})
        effective_on = local_date(agreement.effective_at)
        if applied_on < effective_on:
            raise ValidationError({"applied_on": _("申请日期不能早于协议生效日期。")})
        last_day = confirmation_window_end(agreement)
        if applied_on > last_day:
            raise ValidationError(
                {
                    "applied_on": _(
                        "申请司法确认应自调解协议生效之日起三十日内提出（《人民调解法》第三十三条）。协议于%(effective)s生效，"
                        "申请期限至%(last)s，%(applied)s已超过期限。"
                    )
                    % {"effective": effective_on, "last": last_day, "applied": applied_on}
                }
            )
        parties = list(case.parties.all())
        try:
            chosen = {int(_pk(pk)) for pk in applicant_party_ids or ()}
        except (TypeError, ValueError):
            chosen = {-1}
        if not chosen <= {p.id for p in parties}:
            raise ValidationError({"applicant_party_ids": _("所选当事人不属于该案件。")})
        absent = [p.name for p in parties if p.id not in chosen]
        if absent:
            raise ValidationError(
                {"applicant_party_ids": _("司法确认须由双方当事人共同申请，%(names)s未列为申请人。") % {"names": "、".join(absent)}}
            )
        confirmation = JudicialConfirmation.objects.create(agreement=agreement, court=court, applied_on=applied_on, created_by=actor)
        confirmation.applicants.set(parties)
        _note(
            case,
            actor,
            "judicial_confirmation_applied",
            data={
                "agreement": agreement.id,
                "confirmation": confirmation.id,
                "court": court.id,
                "court_name": court.name,
                "applied_on": applied_on.isoformat(),
                "acceptance_due": period_end(applied_on, ACCEPTANCE_DAYS).isoformat(),
            },
        )
    return confirmation


FINAL_OUTCOMES = (ConfirmationOutcome.CONFIRMED, ConfirmationOutcome.REJECTED)


def judicial_confirmation_update(
    *,
    confirmation_id: int,
    actor,
    accepted_on=None,
    decided_on=None,
    extended: bool = False,
    outcome: str = ConfirmationOutcome.PENDING,
    ruling_number: str = "",
    note: str = "",
    today: date | None = None,
) -> JudicialConfirmation:
    """Record what the court did: accepted (or not), extended, confirmed or rejected, withdrawn."""
    today = today or timezone.localdate()
    accepted_on = _as_date(accepted_on, "accepted_on", required=False)
    decided_on = _as_date(decided_on, "decided_on", required=False)
    ruling_number = (ruling_number or "").strip()
    note = (note or "").strip()
    if outcome not in ConfirmationOutcome.values:
        raise ValidationError({"outcome": _("请选择审查结果。")})
    if len(ruling_number) > 60:
        raise ValidationError({"ruling_number": _("不能超过%(n)d个字。") % {"n": 60}})
    case_id = _case_id_of(JudicialConfirmation, confirmation_id, _("司法确认申请"))
    with transaction.atomic():
        case = _lock_case(case_id, actor)
        confirmation = JudicialConfirmation.objects.select_related("court").get(pk=confirmation_id)
        errors = {}
        for field, value in (("accepted_on", accepted_on), ("decided_on", decided_on)):
            if value and value > today:
                errors[field] = _("日期不能晚于今天。")
        if accepted_on and accepted_on < confirmation.applied_on:
            errors["accepted_on"] = _("受理日期不能早于申请日期（%(day)s）。") % {"day": confirmation.applied_on}
        if decided_on and decided_on < (accepted_on or confirmation.applied_on):
            errors["decided_on"] = _("裁定日期不能早于受理或申请日期。")
        if outcome == ConfirmationOutcome.NOT_ACCEPTED:
            if accepted_on:
                errors["accepted_on"] = _("不予受理的申请没有受理日期。")
            if not decided_on:
                errors["decided_on"] = _("请填写法院决定不予受理的日期。")
        if outcome in FINAL_OUTCOMES:
            if not accepted_on:
                errors["accepted_on"] = _("请先填写法院受理日期。")
            if not decided_on:
                errors["decided_on"] = _("请填写裁定日期。")
        if outcome == ConfirmationOutcome.CONFIRMED and not ruling_number:
            errors["ruling_number"] = _("确认有效的，请填写民事裁定书文号。")
        if outcome == ConfirmationOutcome.PENDING and decided_on:
            errors["outcome"] = _("已填写裁定日期的，请选择审查结果。")
        if extended and not accepted_on:
            errors["extended"] = _("受理后才能延长审查期限。")
        if errors:
            raise ValidationError(errors)
        before = {
            "accepted_on": confirmation.accepted_on.isoformat() if confirmation.accepted_on else None,
            "decided_on": confirmation.decided_on.isoformat() if confirmation.decided_on else None,
            "extended": confirmation.extended,
            "outcome": confirmation.outcome,
        }
        confirmation.accepted_on, confirmation.decided_on, confirmation.extended = accepted_on, decided_on, bool(extended)
        confirmation.outcome, confirmation.ruling_number = outcome, ruling_number
        if note:
            confirmation.note = note
        confirmation.save()
        milestones = confirmation_milestones(confirmation, today)
        _note(
            case,
            actor,
            "judicial_confirmation_updated",
            data={
                "confirmation": confirmation.id,
                "before": before,
                "accepted_on": accepted_on.isoformat() if accepted_on else None,
                "decided_on": decided_on.isoformat() if decided_on else None,
                "extended": bool(extended),
                "outcome": outcome,
                "ruling_number": ruling_number,
                "court_missed": [m["key"] for m in milestones if m["missed"]],
            },
            reason=note,
        )
    return confirmation


# ---------------------------------------------------------------- the law's preconditions


def _requires_effective_agreement(case, *, actor, data, today):
    if not Agreement.objects.filter(case=case, effective_at__isnull=False).exists():
        raise DomainError(
            _("尚无生效的调解协议：书面协议须经各方当事人、调解员签署并加盖调解委员会印章，口头协议须登记。请在“调解协议”栏目办理，协议生效后案件自动转入“达成协议”。"),
            code="no_effective_agreement",
        )


def _requires_all_items_performed(case, *, actor, data, today):
    agreement = effective_agreement(case)
    if agreement is None:
        raise DomainError(_("尚无生效的调解协议，不能确认履行。"), code="no_effective_agreement")
    pending = list(agreement.items.exclude(status=ItemStatus.PERFORMED).values_list("what", flat=True))
    if pending:
        raise DomainError(
            _("协议尚有%(n)d项未履行：%(items)s。请逐项登记履行，全部履行后案件自动转入“已履行”。")
            % {"n": len(pending), "items": "；".join(pending)},
            code="items_pending",
        )


PRECONDITIONS = [
    ("reach_agreement", _requires_effective_agreement),
    ("confirm_performed", _requires_all_items_performed),
]
