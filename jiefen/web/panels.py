"""Sections other apps add to the case page (mediation, documents …) without the web app
knowing them: each registers a template and a function giving that template its context.

Several panels read the same rows (records, agreements, the lifecycle events …). A panel names
the relations it reads in `prefetch`; the page loads all of them onto the case once, before any
panel runs, so each panel reads `case_rows(case, relation)` from memory instead of querying.
Most cases have nothing in most panels: one query first asks which relations (and which of the
panels' own `probes`) have any row at all, and only those are fetched."""

from dataclasses import dataclass
from typing import Callable

from django.db import connections, router
from django.db.models import Exists, OuterRef, Prefetch

from jiefen.common.prepared import prepared_prefetch


@dataclass(frozen=True)
class CasePanel:
    key: str
    template: str
    context: Callable  # (request, case) -> dict, or None to hide the panel
    order: int = 100
    # () -> lookups (names or Prefetch objects) to load onto the case for this panel. Called
    # once per process: the page compiles their queries once and keeps them (see _plan), so a
    # lookup's queryset must not depend on the request, the user or the time.
    prefetch: Callable | None = None
    # () -> {name: Exists(...)} on the case (OuterRef("pk")); the page evaluates them with the
    # relations' and leaves the answers in case.page_has[name] (see has_rows). Called once
    # per process, as `prefetch`.
    probes: Callable | None = None


CASE_PANELS: dict[str, CasePanel] = {}


def register_case_panel(panel: CasePanel) -> None:
    CASE_PANELS[panel.key] = panel


def _probe(lookup: Prefetch):
    """Whether the case has any row of the relation `lookup` fetches."""
    from jiefen.cases.models import Case

    relation = Case._meta.get_field(lookup.prefetch_through)
    # A plain queryset unless the lookup filters its rows: select_related and nested prefetches
    # only make the subquery dearer to build.
    rows = lookup.queryset if lookup.queryset.query.where else relation.related_model._base_manager.all()
    return Exists(rows.filter(**{relation.field.name: OuterRef("pk")}).order_by())


_CASE_ID_PLACEHOLDER = -7_919_731  # stands for the case id while the query is compiled once


@dataclass
class _PagePlan:
    """What the page asks and loads for every case, worked out once per process (and
    database): the panels' relations (each once, whichever panels share it), and the SQL of
    the one query asking which of them, and which of the probes, have any row."""

    lookups: dict  # prefetch_to -> lookup
    probed: list  # the relations asked about before they are fetched
    sql: str | None  # None when nothing is asked
    params: tuple
    names: list


# By (database, the registered panels, the page's own probes): compiling a dozen EXISTS
# subqueries costs more than running them, and only the case id changes from one page to the next.
_PLANS: dict = {}


def _plan(connection, page_probes) -> _PagePlan:
    from jiefen.cases.models import Case

    panels = tuple(CASE_PANELS.values())
    key = (connection.alias, connection.vendor, panels, page_probes)
    plan = _PLANS.get(key)
    if plan is not None:
        return plan
    lookups, probes = {}, dict(page_probes() if page_probes else {})
    # Several panels share one prefetch function (mediation's two): each is called once.
    for prefetch in dict.fromkeys(panel.prefetch for panel in panels if panel.prefetch):
        for lookup in prefetch():
            lookups.setdefault(lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup, lookup)
    for probe in dict.fromkeys(panel.probes for panel in panels if panel.probes):
        probes.update(probe())
    probed = [key for key, lookup in lookups.items() if isinstance(lookup, Prefetch) and "__" not in lookup.prefetch_through]
    probes.update({f"has_prefetch_{key}": _probe(lookups[key]) for key in probed})
    if not probes:
        plan = _PLANS[key] = _PagePlan(lookups, probed, None, (), [])
        return plan
    query = Case._base_manager.filter(pk=_CASE_ID_PLACEHOLDER).values(**probes).query
    sql, params = query.get_compiler(connection=connection).as_sql()
    plan = _PLANS[key] = _PagePlan(lookups, probed, sql, tuple(params), list(query.annotation_select))
    return plan


def case_page_load(case, page_probes=None) -> None:
    """Load every relation the panels read onto `case`, each once whichever panels share it,
    and none the case has no row of; `page_probes` () -> {name: Exists(...)}, more questions
    for the page itself (a function kept at module level: the plan is kept per function).

    The answers (which depend on nothing but the case, not on the user, the time or the
    request) are left in case.page_has; readers learn of a relation without rows from
    case_rows / page_empty, as even an empty queryset costs its compilation."""
    from jiefen.cases.models import Case

    connection = connections[router.db_for_read(Case)]
    plan = _plan(connection, page_probes)
    answers = {}
    if plan.sql is not None:
        with connection.cursor() as cursor:
            cursor.execute(plan.sql, [case.pk if value == _CASE_ID_PLACEHOLDER else value for value in plan.params])
            row = cursor.fetchone()
        if row is None:
            raise Case.DoesNotExist
        answers = {name: bool(value) for name, value in zip(plan.names, row)}
    case.page_empty = {key for key in plan.probed if not answers.pop(f"has_prefetch_{key}")}
    case.page_has = answers
    prepared_prefetch([case], [lookup for key, lookup in plan.lookups.items() if key not in case.page_empty], key=__name__)


def page_empty(case, name: str) -> bool:
    """Whether the case page found no row of case.<name> (or of a Prefetch's to_attr)."""
    return name in getattr(case, "page_empty", ())


def case_rows(case, name: str) -> list:
    """The rows of case.<name>: none when the page found none, else as loaded (or queried)."""
    return [] if page_empty(case, name) else list(getattr(case, name).all())


def has_rows(case, name: str, query) -> bool:
    """The page's answer to the probe `name` when it asked, else whether `query` (or what
    `query()` gives, built only when asked) has rows."""
    answers = getattr(case, "page_has", None)
    if answers is not None and name in answers:
        return answers[name]
    return (query() if callable(query) else query).exists()


def case_panels(request, case, page_probes=None) -> list[dict]:
    case_page_load(case, page_probes)
    rendered = []
    for panel in sorted(CASE_PANELS.values(), key=lambda p: (p.order, p.key)):
        context = panel.context(request, case)
        if context is not None:
            rendered.append({"key": panel.key, "template": panel.template, "context": context})
    return rendered


def panel_refused(request, case, *, attribute: str, form, message: str, status: int):
    """Redraw the case page after a panel's form was refused: the panel finds the failed form
    on `request.<attribute>` and shows it open with its errors, above the fresh case."""
    from django.shortcuts import render

    from jiefen.cases.selectors import case_get_for_user

    from .views import _detail_context

    setattr(request, attribute, form)
    fresh = case_get_for_user(request.user, pk=case.pk)
    return render(request, "web/case_detail.html", _detail_context(request, fresh, error=message), status=status)


def refused_text(form, messages) -> str:
    from django.utils.translation import gettext as _

    return _("“%(action)s”未执行：%(errors)s") % {"action": form.title, "errors": " ".join(str(m) for m in messages)}
