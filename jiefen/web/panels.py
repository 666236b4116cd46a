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
from django.db.models import Exists, OuterRef, Prefetch, prefetch_related_objects


@dataclass(frozen=True)
class CasePanel:
    key: str
    template: str
    context: Callable  # (request, case) -> dict, or None to hide the panel
    order: int = 100
    # () -> lookups (names or Prefetch objects) to load onto the case for this panel; a
    # callable because a Prefetch's queryset must be fresh for every request.
    prefetch: Callable | None = None
    # () -> {name: Exists(...)} on the case (OuterRef("pk")); the page evaluates them with the
    # relations' and leaves the answers in case.page_has[name] (see has_rows).
    probes: Callable | None = None


CASE_PANELS: dict[str, CasePanel] = {}


def register_case_panel(panel: CasePanel) -> None:
    CASE_PANELS[panel.key] = panel


def _probe(case, lookup: Prefetch):
    """Whether the case has any row of the relation `lookup` fetches."""
    relation = case._meta.get_field(lookup.prefetch_through)
    # A plain queryset unless the lookup filters its rows: select_related and nested prefetches
    # only make the subquery dearer to build.
    rows = lookup.queryset if lookup.queryset.query.where else relation.related_model._base_manager.all()
    return Exists(rows.filter(**{relation.field.name: OuterRef("pk")}).order_by())


# The probe query's SQL by (database, probe names): compiling a dozen EXISTS subqueries costs
# more than running them, and only the case id changes from one page to the next.
_PROBE_SQL: dict = {}
_CASE_ID_PLACEHOLDER = -7_919_731  # stands for the case id while the query is compiled once


def _ask(model, pk, probes: dict) -> dict:
    """case-level answers {name: bool} to `probes` ({name: Exists(...)}), which depend on
    nothing but the case (not on the user, the time or the request)."""
    connection = connections[router.db_for_read(model)]
    key = (connection.alias, connection.vendor, tuple(probes))
    if key not in _PROBE_SQL:
        query = model._base_manager.filter(pk=_CASE_ID_PLACEHOLDER).values(**probes).query
        sql, params = query.get_compiler(connection=connection).as_sql()
        _PROBE_SQL[key] = (sql, tuple(params), list(query.annotation_select))
    sql, params, names = _PROBE_SQL[key]
    with connection.cursor() as cursor:
        cursor.execute(sql, [pk if value == _CASE_ID_PLACEHOLDER else value for value in params])
        row = cursor.fetchone()
    if row is None:
        raise model.DoesNotExist
    return {name: bool(value) for name, value in zip(names, row)}


def case_page_load(case, probes=None) -> None:
    """Load every relation the panels read onto `case`, each once whichever panels share it,
    and none the case has no row of; `probes` more questions for the page itself."""
    from jiefen.cases.models import Case

    lookups, probes = {}, dict(probes or {})
    panels = CASE_PANELS.values()
    # Several panels share one prefetch function (mediation's two): each is called once.
    for prefetch in dict.fromkeys(panel.prefetch for panel in panels if panel.prefetch):
        for lookup in prefetch():
            key = lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup
            lookups.setdefault(key, lookup)
    for probe in dict.fromkeys(panel.probes for panel in panels if panel.probes):
        probes.update(probe())
    probed = [key for key, lookup in lookups.items() if isinstance(lookup, Prefetch) and "__" not in lookup.prefetch_through]
    probes.update({f"has_prefetch_{key}": _probe(case, lookups[key]) for key in probed})
    answers = _ask(Case, case.pk, probes) if probes else {}
    # A relation without rows is not fetched at all (even an empty queryset costs its
    # compilation): readers learn it from case_rows / page_empty.
    case.page_empty = {key for key in probed if not answers.pop(f"has_prefetch_{key}")}
    case.page_has = answers
    prefetch_related_objects([case], *(lookup for key, lookup in lookups.items() if key not in case.page_empty))


def page_empty(case, name: str) -> bool:
    """Whether the case page found no row of case.<name> (or of a Prefetch's to_attr)."""
    return name in getattr(case, "page_empty", ())


def case_rows(case, name: str) -> list:
    """The rows of case.<name>: none when the page found none, else as loaded (or queried)."""
    return [] if page_empty(case, name) else list(getattr(case, name).all())


def has_rows(case, name: str, query) -> bool:
    """The page's answer to the probe `name` when it asked, else whether `query` has rows."""
    answers = getattr(case, "page_has", None)
    if answers is not None and name in answers:
        return answers[name]
    return query.exists()


def case_panels(request, case, probes=None) -> list[dict]:
    case_page_load(case, probes)
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
