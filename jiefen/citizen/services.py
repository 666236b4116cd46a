"""Writes of the parties' side: counting failed look-ups, and a party's rating of the outcome."""

import hashlib
import hmac
import re
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.cases.models import Case, CaseEvent, EventKind, Party
from jiefen.common.errors import ConflictError, DomainError

from .models import CaseRating, LookupFailure
from .progress import AGREEMENT_STATES, CLOSED_STATES

# Five failed look-ups in fifteen minutes, from one IP or on one case number, and the page
# answers 429 until the oldest of them leaves the window.
LOOKUP_FAILURE_LIMIT = getattr(settings, "JIEFEN_PROGRESS_FAILURE_LIMIT", 5)
LOOKUP_WINDOW = timedelta(minutes=getattr(settings, "JIEFEN_PROGRESS_WINDOW_MINUTES", 15))
# Rows older than this are useless for counting; each failure sweeps them away.
LOOKUP_KEEP = timedelta(days=1)
RATED_ACTION = "citizen_rated"
COMMENT_MAX = 500

_DASHES = re.compile(r"[－—–‐_]")


def normalise_case_number(value: str) -> str:
    return _DASHES.sub("-", re.sub(r"\s+", "", value or ""))


def phone_digits(value: str) -> str:
    return re.sub(r"\D", "", (value or "").strip().removeprefix("+86"))


def _key(scope: str, value: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), f"{scope}:{value}".encode(), hashlib.sha256).hexdigest()


def lookup_throttled(*, ip: str, number: str, now=None) -> bool:
    since = (now or timezone.now()) - LOOKUP_WINDOW
    for scope, value in (("ip", ip), ("number", number)):
        if LookupFailure.objects.filter(scope=scope, key_hash=_key(scope, value), at__gt=since).count() >= LOOKUP_FAILURE_LIMIT:
            return True
    return False


def lookup_record_failure(*, ip: str, number: str, now=None) -> None:
    now = now or timezone.now()
    with transaction.atomic():
        LookupFailure.objects.bulk_create(
            [LookupFailure(scope=scope, key_hash=_key(scope, value), at=now) for scope, value in (("ip", ip), ("number", number))]
        )
        LookupFailure.objects.filter(at__lt=now - LOOKUP_KEEP).delete()


def party_for_lookup(number: str, phone: str) -> Party | None:
    """The party of case `number` whose phone, or whose representative's phone, is `phone`;
    None when the number or the phone does not match (the caller must not tell which)."""
    wanted = phone_digits(phone)
    if len(wanted) < 7:
        return None
    for party in Party.objects.filter(case__number=normalise_case_number(number)).order_by("id"):
        for candidate in (party.phone, party.representative_phone):
            digits = phone_digits(candidate)
            if digits and hmac.compare_digest(digits, wanted):
                return party
    return None


def rating_allowed(case: Case) -> bool:
    """A party may rate once the case is closed or an agreement has been reached."""
    return case.state in CLOSED_STATES or case.state in AGREEMENT_STATES


def case_rating_submit(*, case_id: int, party_id: int, outcome_score: int, mediator_score: int, comment: str = "") -> CaseRating:
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise DomainError(_("意见建议不能超过%(n)s个字。") % {"n": COMMENT_MAX}, field="comment")
    for value, field in ((outcome_score, "outcome_score"), (mediator_score, "mediator_score")):
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise DomainError(_("请选择1至5之间的评分。"), field=field)
    with transaction.atomic():
        case = Case.objects.select_for_update(of=("self",)).get(pk=case_id)
        party = Party.objects.get(pk=party_id, case=case)
        if not rating_allowed(case):
            raise DomainError(_("案件办结或达成协议后才能评价。"))
        if CaseRating.objects.filter(case=case, party=party).exists():
            raise ConflictError(_("您已经评价过本案，每位当事人只能评价一次。"))
        try:
            with transaction.atomic():
                rating = CaseRating.objects.create(
                    case=case, party=party, outcome_score=outcome_score, mediator_score=mediator_score, comment=comment
                )
        except IntegrityError:
            raise ConflictError(_("您已经评价过本案，每位当事人只能评价一次。")) from None
        CaseEvent.objects.create(
            case=case,
            kind=EventKind.NOTE,
            action=RATED_ACTION,
            actor=None,
            data={"rating": rating.pk, "party_role": party.role, "outcome_score": outcome_score, "mediator_score": mediator_score},
        )
    return rating
