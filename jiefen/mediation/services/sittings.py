"""Sittings (DESIGN §6): booking rooms and mediators for investigation and mediation sessions,
the investigation and mediation records (Art. 27), and uploaded evidence.

A room and a mediator are never in two overlapping sessions that are not cancelled: a booking
locks the room row and the mediators' rows before it looks for a clash, so two bookings made
at the same moment queue, and the second sees the first."""

import hashlib
from datetime import timedelta
from pathlib import PurePath

import filetype
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.services import user_is_staff_for
from jiefen.common.errors import DomainError, IllegalTransition
from jiefen.organisation.models import MEDIATION_TIER_BY_KIND, Room
from jiefen.organisation.selectors import mediators_of_unit

from ..models import Evidence, Record, RecordKind, RightsNotice, Session, SessionKind, SessionStatus
from . import guard
from .guard import BEFORE_CONCLUSION

User = get_user_model()

MAX_SESSION = timedelta(hours=12)
# Evidence is images and PDF only, recognised by content, never by the name the browser sent.
EVIDENCE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
DEFAULT_MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SNIFF_BYTES = 8192


def max_upload_bytes() -> int:
    return int(getattr(settings, "JIEFEN_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES))


# ---------------------------------------------------------------- reads


def rooms_for(case):
    """Rooms of the units of the case's village and subdistrict."""
    return (
        Room.objects.filter(
            Q(unit__area_id__in=[case.village_id, case.subdistrict_id]) | Q(unit__area__village_id=case.village_id),
            unit__is_active=True,
        )
        .select_related("unit")
        .order_by("unit__area__sort_order", "unit_id", "id")
    )


def mediators_for(case, actor):
    """Who may sit as mediator: the holding unit's mediators; subdistrict staff may also call on
    the mediators of any mediation body of the subdistrict."""
    own = mediators_of_unit(case.assigned_unit)
    if not user_is_staff_for(actor, case):
        return own
    from jiefen.organisation.models import Role

    return User.objects.filter(
        Q(pk__in=own.values("pk"))
        | Q(
            person__roles__role=Role.MEDIATOR,
            person__roles__unit__kind__in=list(MEDIATION_TIER_BY_KIND),
            person__roles__unit__is_active=True,
            person__is_active=True,
            is_active=True,
        )
        & (Q(person__roles__unit__area_id=case.subdistrict_id) | Q(person__roles__unit__area__subdistrict_id=case.subdistrict_id))
    ).distinct()


def _serves(room, case) -> bool:
    """A room of an active unit of the case's village or subdistrict (as rooms_for)."""
    area = room.unit.area
    return room.unit.is_active and (area.pk in (case.village_id, case.subdistrict_id) or area.village_id == case.village_id)


def has_rights_notice(case) -> bool:
    return RightsNotice.objects.filter(case=case).exists()


def _describe(session) -> str:
    start, end = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
    same_day = start.date() == end.date()
    return _("案件 %(number)s 的%(kind)s会期（%(start)s–%(end)s）") % {
        "number": session.case.number,
        "kind": session.get_kind_display(),
        "start": start.strftime("%Y-%m-%d %H:%M"),
        "end": end.strftime("%H:%M" if same_day else "%Y-%m-%d %H:%M"),
    }


# ---------------------------------------------------------------- sessions


def session_book(*, case_id, actor, kind, starts_at, ends_at, mediator_ids, room_id=None, place="") -> Session:
    if kind not in SessionKind.values:
        raise ValidationError({"kind": _("请选择调查或调解。")})
    starts_at, ends_at = guard.aware(starts_at, "starts_at"), guard.aware(ends_at, "ends_at")
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间必须晚于开始时间。")})
    if ends_at - starts_at > MAX_SESSION:
        raise ValidationError({"ends_at": _("一次会期不能超过12小时。")})
    try:
        mediator_ids = sorted({int(getattr(pk, "pk", pk)) for pk in mediator_ids or ()})
    except (TypeError, ValueError):
        raise ValidationError({"mediators": _("所选调解员无效。")}) from None
    if not mediator_ids:
        raise ValidationError({"mediators": _("请至少选择一名调解员。")})
    place = guard.optional_text(place, "place", max_length=200)
    if room_id in (None, "") and not place:
        raise ValidationError({"room": _("请选择调解场所，或填写不在调解室时的地点。")})

    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        guard.require_state(case, BEFORE_CONCLUSION, _("安排会期"))
        if kind == SessionKind.MEDIATION and not has_rights_notice(case):
            raise DomainError(
                _("尚未向当事人送达权利义务告知书，不能安排调解会期（司法部《人民调解工作若干规定》第三十条）。"),
                code="missing_notice",
            )
        room = None
        if room_id not in (None, ""):
            # Lock order: case, room, mediators by id — the same in every booking, so no deadlock.
            room = Room.objects.select_for_update(of=("self",)).select_related("unit__area").filter(pk=room_id).first()
            if room is None or not _serves(room, case):
                raise ValidationError({"room": _("所选场所不属于本村(社区)或本街道。")})
        mediators = list(User.objects.select_for_update().filter(pk__in=mediator_ids).order_by("pk"))
        allowed = set(mediators_for(case, actor).filter(pk__in=mediator_ids).values_list("pk", flat=True))
        strangers = [u for u in mediators if u.pk not in allowed]
        if len(mediators) != len(mediator_ids) or strangers:
            names = "、".join(guard.user_name(u) for u in strangers) or _("所选人员")
            raise ValidationError(
                {"mediators": _("%(names)s不是承办单位%(unit)s的调解员。") % {"names": names, "unit": case.assigned_unit.name}}
            )

        # Sessions not cancelled that overlap [starts_at, ends_at): back-to-back is no clash.
        busy = Q(mediators__in=mediator_ids) | (Q(room=room) if room is not None else Q(pk__in=[]))
        clashes = list(
            Session.objects.exclude(status=SessionStatus.CANCELLED)
            .filter(busy, starts_at__lt=ends_at, ends_at__gt=starts_at)
            .select_related("case")
            .distinct()
            .order_by("starts_at", "id")
        )
        for clash in clashes:
            if room is not None and clash.room_id == room.pk:
                raise DomainError(
                    _("%(room)s在该时段已被占用：%(session)s。请另选时间或场所。")
                    % {"room": room.name, "session": _describe(clash)},
                    code="room_double_booked",
                    field="room",
                )
        if clashes:
            clash = clashes[0]
            busy_ids = set(clash.mediators.values_list("pk", flat=True))
            mediator = next(u for u in mediators if u.pk in busy_ids)
            raise DomainError(
                _("调解员%(name)s在该时段已有安排：%(session)s。请另选时间或调解员。")
                % {"name": guard.user_name(mediator), "session": _describe(clash)},
                code="mediator_double_booked",
                field="mediators",
            )

        session = Session.objects.create(
            case=case, kind=kind, room=room, place=place, starts_at=starts_at, ends_at=ends_at, booked_by=actor
        )
        session.mediators.set(mediators)
        guard.note(
            case,
            actor,
            "session_booked",
            data={
                "session": session.pk,
                "kind": kind,
                "starts_at": timezone.localtime(starts_at).isoformat(timespec="minutes"),
                "ends_at": timezone.localtime(ends_at).isoformat(timespec="minutes"),
                "room_name": room.name if room else "",
                "place": place,
                "mediators": [guard.user_name(u) for u in mediators],
            },
        )
    return session


def _locked_session(session_id, actor):
    found = Session.objects.filter(pk=session_id).only("case_id").first()
    if found is None:
        raise DomainError(_("会期不存在。"), code="not_found")
    case = guard.lock_case(found.case_id, actor)
    return case, Session.objects.get(pk=session_id)


def session_cancel(*, session_id, actor, reason) -> Session:
    reason = guard.text(reason, "reason", _("请填写取消会期的原因。"))
    with transaction.atomic():
        case, session = _locked_session(session_id, actor)
        if session.status != SessionStatus.SCHEDULED:
            raise IllegalTransition(
                _("该会期状态为“%(status)s”，不能取消。") % {"status": session.get_status_display()}
            )
        session.status = SessionStatus.CANCELLED
        session.save(update_fields=["status"])
        guard.note(case, actor, "session_cancelled", data={"session": session.pk, "kind": session.kind}, reason=reason)
    return session


def _mark_held(case, session, actor):
    if session.starts_at > timezone.now() + guard.CLOCK_SKEW:
        raise IllegalTransition(_("会期尚未开始，不能标记为已进行。"))
    session.status = SessionStatus.HELD
    session.save(update_fields=["status"])
    guard.note(case, actor, "session_held", data={"session": session.pk, "kind": session.kind})


def session_mark_held(*, session_id, actor) -> Session:
    with transaction.atomic():
        case, session = _locked_session(session_id, actor)
        if session.status != SessionStatus.SCHEDULED:
            raise IllegalTransition(
                _("该会期状态为“%(status)s”，不能标记为已进行。") % {"status": session.get_status_display()}
            )
        _mark_held(case, session, actor)
    return session


# ---------------------------------------------------------------- records (Art. 27)


def record_create(*, case_id, actor, kind, held_at, place, participants, statements, result="", session_id=None) -> Record:
    """An investigation or mediation record: when, where, who took part, what they said, the
    result, and who recorded it (the actor). Writing the record of a booked session marks the
    session held."""
    if kind not in RecordKind.values:
        raise ValidationError({"kind": _("请选择调查记录或调解记录。")})
    held_at = guard.moment(held_at, "held_at", default_now=False)
    place = guard.text(place, "place", _("请填写地点。"), max_length=200)
    participants = guard.text(participants, "participants", _("请填写参加人员。"))
    statements = guard.text(statements, "statements", _("请填写当事人陈述与调查（调解）情况。"))
    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        if kind == RecordKind.MEDIATION and not has_rights_notice(case):
            raise DomainError(
                _("尚未向当事人送达权利义务告知书，不能制作调解记录（司法部《人民调解工作若干规定》第三十条）。"),
                code="missing_notice",
            )
        session = None
        if session_id not in (None, ""):
            session = Session.objects.filter(pk=session_id, case=case).first()
            if session is None:
                raise ValidationError({"session": _("所选会期不属于该案件。")})
            if session.status == SessionStatus.CANCELLED:
                raise ValidationError({"session": _("所选会期已取消。")})
            if session.kind != kind:
                raise ValidationError({"session": _("记录类型与会期类型不一致。")})
        record = Record.objects.create(
            case=case,
            session=session,
            kind=kind,
            held_at=held_at,
            place=place,
            participants=participants,
            statements=statements,
            result=(result or "").strip(),
            recorded_by=actor,
        )
        guard.note(
            case,
            actor,
            "record_created",
            data={"record": record.pk, "kind": kind, "held_at": timezone.localtime(held_at).isoformat(timespec="minutes")},
        )
        if session is not None and session.status == SessionStatus.SCHEDULED:
            _mark_held(case, session, actor)
    return record


# ---------------------------------------------------------------- evidence


def _sniff(uploaded_file) -> str:
    uploaded_file.seek(0)
    head = uploaded_file.read(SNIFF_BYTES)
    uploaded_file.seek(0)
    kind = filetype.guess(head) if head else None
    return kind.mime if kind is not None else ""


def evidence_upload(*, case_id, actor, uploaded_file, description="", record_id=None) -> Evidence:
    """Store an image (JPEG, PNG) or PDF under MEDIA_ROOT with a random name, keeping its
    SHA-256; the type is read from the content, never from the name or the browser."""
    if uploaded_file is None:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    limit = max_upload_bytes()
    size = uploaded_file.size or 0
    if size == 0:
        raise ValidationError({"file": _("文件是空的。")})
    if size > limit:
        raise ValidationError(
            {"file": _("文件过大（%(size).1f MB），最大 %(limit).0f MB。") % {"size": size / 1048576, "limit": limit / 1048576}}
        )
    content_type = _sniff(uploaded_file)
    if content_type not in EVIDENCE_TYPES:
        raise ValidationError({"file": _("只能上传 JPEG、PNG 图片或 PDF 文件；文件类型按内容识别，与扩展名无关。")})
    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    uploaded_file.seek(0)
    description = guard.optional_text(description, "description", max_length=200)
    original = PurePath((uploaded_file.name or "").replace("\\", "/")).name[:200] or "upload"

    with transaction.atomic():
        case = guard.lock_case(case_id, actor)
        record = None
        if record_id not in (None, ""):
            record = Record.objects.filter(pk=record_id, case=case).first()
            if record is None:
                raise ValidationError({"record": _("所选记录不属于该案件。")})
        evidence = Evidence(
            case=case,
            record=record,
            original_name=original,
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            description=description,
            uploaded_by=actor,
        )
        # The stored name is random (evidence_path); only the suffix comes from the content type.
        evidence.file.save(f"evidence.{EVIDENCE_TYPES[content_type]}", uploaded_file, save=False)
        try:
            evidence.save()
            guard.note(
                case,
                actor,
                "evidence_uploaded",
                data={"evidence": evidence.pk, "name": original, "content_type": content_type, "sha256": evidence.sha256},
            )
        except Exception:
            evidence.file.delete(save=False)
            raise
    return evidence


PRECONDITIONS = []  # (lifecycle action, check) pairs
