"""Reads of cases. Every list, detail and export asks `cases_visible_to` what the user may see."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, Window
from django.db.models.query import MAX_GET_RESULTS
from django.http import Http404

from jiefen.common.crypto import keyed_hash
from jiefen.common.prepared import Prepared
from jiefen.organisation.models import Area
from jiefen.organisation.selectors import user_scope

from .models import Case, CaseEvent, CaseState, DisputeType


def _visibility_terms(user):
    """The one rule of case visibility (DESIGN §1, issue 2 §7), as its alternatives: a list of
    (lookup, value) terms any of which lets the user see a case, or None when the user sees
    every case.

    Staff and leaders see their whole subdistrict; a mediator their unit's village and the
    cases assigned to their unit; a grid worker what they reported and their grid's cases;
    anyone else nothing.
    """
    if user is None or not user.is_authenticated:
        return []
    scope = user_scope(user)
    if scope.is_superuser:
        return None
    terms = []
    if scope.subdistrict_ids:
        terms.append(("subdistrict_id__in", sorted(scope.subdistrict_ids)))
    if scope.village_ids:
        terms.append(("village_id__in", sorted(scope.village_ids)))
    if scope.mediator_unit_ids:
        terms.append(("assigned_unit_id__in", sorted(scope.mediator_unit_ids)))
    if scope.grid_ids:
        terms.append(("grid_id__in", sorted(scope.grid_ids)))
    if scope.is_grid_reporter:
        terms.append(("reported_by_id", user.pk))
    return terms


def visibility_branches(user):
    """The visibility rule (see `_visibility_terms`) as a list of conditions any of which lets
    the user see a case, or None when the user sees every case."""
    terms = _visibility_terms(user)
    return None if terms is None else [Q(**{lookup: value}) for lookup, value in terms]


def _cases_matching(terms):
    if terms is None:
        return Case.objects.all()
    condition = Q(pk__in=[])
    for lookup, value in terms:
        condition |= Q(**{lookup: value})
    return Case.objects.filter(condition)


def cases_visible_to(user):
    """Every case the user may see (see `visibility_branches`)."""
    if user is None or not user.is_authenticated:
        return Case.objects.none()
    return _cases_matching(_visibility_terms(user))


CASE_PAGE_RELATED = (
    "dispute_type", "village", "compound", "grid", "assigned_unit", "mediator", "reported_by", "recurrence_of",
    "escalated_from_unit",
)


def _case_get_prepared(lookup, names) -> Prepared:
    """The case by `lookup` among those the visibility terms named `names` let see (see
    _visibility_terms; None: every case), its related rows joined: asked for `value` and the
    terms' values as term0, term1 …"""
    types = {"value": int if lookup == "pk" else str}
    types.update({f"term{n}": [int] if name.endswith("__in") else int for n, name in enumerate(names or ())})

    def build(value, **values):
        terms = None if names is None else [(name, values[f"term{n}"]) for n, name in enumerate(names)]
        return _cases_matching(terms).select_related(*CASE_PAGE_RELATED).filter(**{lookup: value}).order_by()[:MAX_GET_RESULTS]

    return Prepared(build, **types)


# By the lookup and the visibility terms the user's scope has: every case page and action asks.
_CASE_GET: dict = {}
# Ids are 64-bit: a larger one (a request may send any number) names no row.
_MAX_ID = 2**63 - 1


def case_get_for_user(user, *, pk=None, number=None) -> Case:
    """The case if the user may see it; 404 otherwise, so its existence is not disclosed."""
    lookup, value = ("pk", pk) if pk is not None else ("number", number)
    if user is None or not user.is_authenticated:
        raise Http404
    if type(value) is not (int if lookup == "pk" else str):
        # Anything but an id or a number as the URLs give them: as the ORM takes it.
        try:
            return cases_visible_to(user).select_related(*CASE_PAGE_RELATED).get(**{lookup: value})
        except (Case.DoesNotExist, ValueError):
            raise Http404 from None
    if lookup == "pk" and not 0 < value <= _MAX_ID:
        raise Http404
    terms = _visibility_terms(user)
    names = None if terms is None else tuple(name for name, _value in terms)
    query = _CASE_GET.get((lookup, names))
    if query is None:
        query = _CASE_GET[(lookup, names)] = _case_get_prepared(lookup, names)
    found = query(value=value, **{f"term{n}": term_value for n, (_name, term_value) in enumerate(terms or ())})
    if not found:
        raise Http404
    if len(found) > 1:
        raise Case.MultipleObjectsReturned(f"get() returned more than one Case -- it returned {len(found)}!")
    return found[0]


@dataclass
class CaseFilters:
    state: str = ""
    tier: int | None = None
    village_id: int | None = None
    dispute_type_id: int | None = None
    risk_grade: str = ""
    channel: str = ""
    created_from: date | None = None
    created_to: date | None = None
    overdue: bool = False
    query: str = ""
    mine: bool = False


# What a row of a web case list shows (the case_rows tag of jiefen_web); loading only these keeps a page
# from building forty-odd columns and four joined objects per row.
CASE_ROW_FIELDS = (
    "number", "title", "state", "risk_grade", "is_overdue", "due_date", "village__name", "assigned_unit__name",
)


def case_list(user, filters: CaseFilters, *, after_id: int | None = None, limit: int = 25, only=None):
    """One page of visible cases, newest first, by keyset (id < after_id).

    Keyset pagination costs the same on page 1 and page 40,000, where OFFSET would scan
    every skipped row. `only` narrows the columns loaded (e.g. CASE_ROW_FIELDS), joining just
    the relations it names. Returns (cases, next_after_id).
    """
    qs = Case.objects.all()
    if filters.state == "open":
        qs = qs.exclude(state=CaseState.ARCHIVED)
    elif filters.state:
        qs = qs.filter(state=filters.state)
    if filters.tier:
        qs = qs.filter(tier=filters.tier)
    if filters.village_id:
        qs = qs.filter(village_id=filters.village_id)
    if filters.dispute_type_id:
        qs = qs.filter(dispute_type_id=filters.dispute_type_id)
    if filters.risk_grade:
        qs = qs.filter(risk_grade=filters.risk_grade)
    if filters.channel:
        qs = qs.filter(channel=filters.channel)
    if filters.created_from:
        qs = qs.filter(created_at__date__gte=filters.created_from)
    if filters.created_to:
        qs = qs.filter(created_at__date__lte=filters.created_to)
    if filters.overdue:
        qs = qs.filter(is_overdue=True)
    if filters.mine:
        qs = qs.filter(Q(mediator_id=user.pk) | Q(reported_by_id=user.pk))
    if filters.query:
        text = filters.query.strip()
        qs = qs.filter(Q(number__icontains=text) | Q(title__icontains=text))
    if after_id:
        qs = qs.filter(id__lt=after_id)
    if only:
        qs = qs.only(*only).select_related(*{f.split("__")[0] for f in only if "__" in f})
    else:
        qs = qs.select_related("dispute_type", "village", "assigned_unit", "mediator")
    qs = qs.order_by("-id")
    branches = visibility_branches(user)
    if branches is None:
        page = list(qs[: limit + 1])
    else:
        # One query per alternative of the visibility rule, merged here: an OR of them walks no
        # single index in id order, so the database would sort every visible case for a page.
        found = {}
        for branch in branches:
            for case in qs.filter(branch)[: limit + 1]:
                found.setdefault(case.pk, case)
        page = sorted(found.values(), key=lambda case: case.pk, reverse=True)[: limit + 1]
    next_after = page[limit - 1].id if len(page) > limit else None
    return page[:limit], next_after


def case_events(case):
    return CaseEvent.objects.filter(case=case).select_related("actor").order_by("id")


# An actor only as the history names them (get_full_name, else username): a history holds
# dozens of events, and each actor built whole costs its password, e-mail and two timestamps.
_ACTOR_NAME_FIELDS = ("actor__id", "actor__username", "actor__first_name", "actor__last_name")


def _events_with_actor_names(case):
    return (
        CaseEvent.objects.filter(case_id=case)
        .select_related("actor")
        .only(*(field.name for field in CaseEvent._meta.concrete_fields), *_ACTOR_NAME_FIELDS)
    )


_ALL_EVENTS = Prepared(lambda case: _events_with_actor_names(case).order_by("id"), case=int)
_LATEST_EVENTS: dict = {}  # by how many


def case_timeline_events(case, latest=None) -> tuple[list, int]:
    """The case's events oldest first with their actors, and how many it has in all: every
    one, or the `latest` so many."""
    if latest is None:
        events = _ALL_EVENTS(case=case.pk)
        return events, len(events)
    query = _LATEST_EVENTS.get(latest)
    if query is None:
        # The total comes with the rows (a window over the whole history, counted before the limit).
        query = _LATEST_EVENTS[latest] = Prepared(
            lambda case: _events_with_actor_names(case)
            .annotate(total=Window(Count("id")))
            .order_by("-id")[:latest],
            case=int,
        )
    events = query(case=case.pk)
    return events[::-1], events[0].total if events else 0


def my_work(user, *, today: date, limit: int = 20):
    """The lists on a user's home page: overdue (the limit has run out), due soon, new
    (unaccepted), and the rest in progress, each the first `limit` by its order.

    The lists are told apart by the due date alone: a limit that ran out at midnight is listed
    as overdue before the hourly sweep has flagged it, and the sweep's flag (which it always sets
    on a case past its limit, and nothing sets on one that is not) is not read, so the indexes
    the lists are read through do not change when a case is flagged.

    A mediator's or reporter's own cases are the cases they mediate, their units' and those
    they reported: each list is read per alternative, through an index on that column and the
    due date, and merged — one query ORing them would make the database gather and sort all of
    a busy unit's open cases to show twenty."""
    from django.conf import settings

    from jiefen.workdays.services import add_working_days

    scope = user_scope(user)
    # Not closed as well as not archived (the same cases): the home page's indexes say so.
    visible = cases_visible_to(user).exclude(state=CaseState.ARCHIVED).filter(closed_at__isnull=True).only(*CASE_ROW_FIELDS)
    if scope.is_superuser or scope.staff_subdistrict_ids or scope.leader_subdistrict_ids:
        sources = [visible]
    else:
        mine = [Q(mediator_id=user.pk), Q(reported_by_id=user.pk)]
        if scope.mediator_unit_ids:
            mine.append(Q(assigned_unit_id__in=scope.mediator_unit_ids))
        sources = [visible.filter(condition) for condition in mine]
    # The page shows these lists as case rows only.
    sources = [cases.select_related("village", "assigned_unit") for cases in sources]
    soon = add_working_days(today, settings.JIEFEN_DUE_SOON_WORKING_DAYS)

    def first(pick, order, key):
        found = {}
        for cases in sources:
            for case in pick(cases).order_by(*order)[:limit]:
                found[case.pk] = case
        return sorted(found.values(), key=key)[:limit]

    def by_due(case):
        return (case.due_date, case.pk)

    # Everything else the user is carrying, soonest limit first (those without one last), so
    # the page is never blank for someone with open cases that are simply on time. Two ranges:
    # SQLite cannot read an index on the due date with its nulls last.
    carrying = first(
        lambda cases: cases.exclude(state=CaseState.REGISTERED).filter(due_date__gt=soon), ("due_date", "id"), by_due
    )
    if len(carrying) < limit:
        undated = first(
            lambda cases: cases.exclude(state=CaseState.REGISTERED).filter(due_date__isnull=True), ("id",), lambda case: case.pk
        )
        carrying += undated[: limit - len(carrying)]
    return {
        "overdue": first(lambda cases: cases.filter(due_date__lt=today), ("due_date", "id"), by_due),
        "due_soon": first(lambda cases: cases.filter(due_date__gte=today, due_date__lte=soon), ("due_date", "id"), by_due),
        "new": first(lambda cases: cases.filter(state=CaseState.REGISTERED), ("-id",), lambda case: -case.pk),
        "in_progress": carrying,
    }


def open_cases_of_person(*, id_numbers=(), phones=(), names=(), address="", exclude_pk=None):
    """Open cases where any of these people is a party, or the same parties at the same
    address; used to warn at intake."""
    condition = Q(pk__in=[])
    if address and names:
        condition |= Q(address=address.strip(), parties__name__in=[n for n in names if n])
    ids = [keyed_hash(i) for i in id_numbers if i]
    tels = [keyed_hash(p) for p in phones if p]
    if ids:
        condition |= Q(parties__id_number_hash__in=ids)
    if tels:
        condition |= Q(parties__phone_hash__in=tels) | Q(parties__representative_phone_hash__in=tels)
    qs = Case.objects.exclude(state=CaseState.ARCHIVED).filter(condition)
    if exclude_pk:
        qs = qs.exclude(pk=exclude_pk)
    return qs.distinct().order_by("-id")


# Compiled once (jiefen/common/prepared.py): the rows every registration names.
_ACTIVE_DISPUTE_TYPE = Prepared(lambda pk: DisputeType.objects.filter(pk=pk, is_active=True).order_by(), pk=int)
_PLACES = Prepared(
    lambda first, second, third: Area.objects.select_related("subdistrict").filter(pk__in=[first, second, third]).order_by(),
    first=int,
    second=int,
    third=int,
)


def intake_rows(*, dispute_type_id: int, village_id: int, compound_id=None, grid_id=None) -> tuple[DisputeType | None, dict]:
    """The active dispute type of that id (None if there is none), and the areas of those ids
    that exist ({id: area}, each with its subdistrict loaded): the rows a registration names."""
    dispute_type = _ACTIVE_DISPUTE_TYPE(pk=dispute_type_id) if 0 < dispute_type_id <= _MAX_ID else []
    ids = [pk for pk in (village_id, compound_id, grid_id) if pk is not None and 0 < pk <= _MAX_ID]
    first, second, third = (ids * 3)[:3] if ids else (None, None, None)  # an id named twice changes nothing
    places = _PLACES(first=first, second=second, third=third) if ids else []
    return (dispute_type[0] if dispute_type else None), {area.pk: area for area in places}
