"""Prepared queries with list values (jiefen/common/prepared.py) give what the ORM gives for any
lists, prepared_prefetch leaves on instances what prefetch_related_objects leaves, and the case
page runs its reads that way: the second view of a page compiles only the few queries Django's
session and authentication make."""

from datetime import timedelta

import pytest
from django.db.models import Count, F, Prefetch, prefetch_related_objects
from django.db.models.sql.compiler import SQLCompiler
from django.http import Http404
from django.urls import reverse

from jiefen.cases.models import Case, CaseEvent, Party
from jiefen.cases.selectors import case_get_for_user, cases_visible_to
from jiefen.common.prepared import Prepared, prepared_prefetch
from jiefen.mediation.models import PerformanceItem
from jiefen.mediation.services.agreements import agreement_draft
from jiefen.web.panels import CASE_PANELS

from .casework import act, register, today
from .conftest import parties_data
from .steps_agreements import item

pytestmark = pytest.mark.django_db


def picture(obj, depth=0):
    """An instance with what it carries: its field values, its select_related and one-to-one
    caches, its prefetched relations and lists (to_attr), a level or three down."""
    shown = {"model": type(obj).__name__, "pk": obj.pk}
    shown["fields"] = {
        name: [picture(v, depth + 1) for v in value] if isinstance(value, list) else value
        for name, value in obj.__dict__.items()
        if not name.startswith("_")
    }
    shown["related"] = {
        name: None if value is None else picture(value, depth + 1) if depth < 2 else (type(value).__name__, value.pk)
        for name, value in obj._state.fields_cache.items()
    }
    shown["prefetched"] = {
        name: [picture(row, depth + 1) for row in queryset._result_cache]
        for name, queryset in getattr(obj, "_prefetched_objects_cache", {}).items()
    }
    return shown


def page_lookups():
    lookups = {}
    for panel in CASE_PANELS.values():
        for lookup in panel.prefetch() if panel.prefetch else ():
            lookups.setdefault(lookup.prefetch_to if isinstance(lookup, Prefetch) else lookup, lookup)
    return list(lookups.values())


@pytest.fixture
def cases(org, dispute_type, centre_staff, village_mediator):
    """A registered case, and one in mediation with an agreement of several items."""
    on = today()
    plain = register(org, dispute_type, centre_staff)
    case = register(org, dispute_type, centre_staff, parties=parties_data() + [{"role": "respondent", "kind": "person", "name": "王五"}])
    for action, extra in (("accept", {}), ("assign", {"mediator": village_mediator}), ("start_mediation", {})):
        case = act(case, action, village_mediator if action == "start_mediation" else centre_staff, on=on, **extra)
    agreement_draft(
        case_id=case.pk, actor=village_mediator, form="written", facts="事实", matters_in_dispute="争议", responsibilities="责任",
        terms="条款", items=[item(case, on + timedelta(days=5 + n), what=f"事项{n}") for n in range(3)], today=on,
    )
    return [Case.objects.get(pk=plain.pk), Case.objects.get(pk=case.pk)]


def test_list_values_give_the_querysets_rows_for_any_list(cases):
    events = Prepared(
        lambda case, kinds: CaseEvent.objects.filter(case_id=case, kind__in=kinds)
        .select_related("actor", "case__village")
        .annotate(n=Count("id"), state=F("case__state"))
        .order_by("-id"),
        case=int,
        kinds=[str],
    )
    for case in cases:
        for kinds in (["created"], ["created", "routed"], ["created", "routed", "transition"], []):
            expected = list(
                CaseEvent.objects.filter(case_id=case.pk, kind__in=kinds)
                .select_related("actor", "case__village")
                .annotate(n=Count("id"), state=F("case__state"))
                .order_by("-id")
            )
            got = events(case=case.pk, kinds=kinds)
            assert [picture(e) for e in got] == [picture(e) for e in expected]
            assert all(e.case.village.name == "东村" and e.n == 1 and e.state == case.state for e in got)
    assert len(events(case=cases[1].pk, kinds=["created", "routed", "transition"])) > 3


def test_compiled_once_per_length_a_list_pads_to(cases):
    built = []

    def build(numbers):
        built.append(len(numbers))
        return Case.objects.filter(number__in=numbers).order_by("id").values_list("id", "number")

    numbers_of = Prepared(build, numbers=[str])
    numbers = [case.number for case in cases]
    assert numbers_of(numbers=numbers) == [(case.pk, case.number) for case in cases]
    assert numbers_of(numbers=numbers[::-1]) == [(case.pk, case.number) for case in cases]
    assert numbers_of(numbers=numbers[:1]) == [(cases[0].pk, cases[0].number)]
    assert numbers_of(numbers=["无此编号"]) == []
    assert numbers_of(numbers=[]) == []
    # Three values pad to four: lengths share a query by the power of two they round up to.
    assert numbers_of(numbers=[*numbers, "无此编号"]) == [(case.pk, case.number) for case in cases]
    assert built == [2, 2, 1, 0, 4]  # the first twice: to learn the model, then to compile


def test_a_list_value_that_does_not_reach_the_sql_is_refused(cases):
    with pytest.raises(ValueError, match="ids"):
        Prepared(lambda ids: Case.objects.filter(pk__gt=0), ids=[int])(ids=[cases[0].pk])


def test_prefetch_leaves_what_prefetch_related_objects_leaves(cases):
    lookups = ["parties", *page_lookups(), Prefetch("parties", Party.objects.order_by("-id"), to_attr="parties_backwards")]
    for case in cases:
        ours, django = Case.objects.get(pk=case.pk), Case.objects.get(pk=case.pk)
        prepared_prefetch([ours], lookups, key="test")
        prefetch_related_objects([django], *lookups)
        assert picture(ours) == picture(django)
    # the agreement's items came (a nested prefetch), pointing back at their agreement
    agreement = ours.agreements.all()[0]
    assert [i.what for i in agreement.items.all()] == ["事项0", "事项1", "事项2"]
    assert all(i.agreement is agreement for i in agreement.items.all())
    assert [p.name for p in ours.parties_backwards] == ["王五", "李四", "张三"]


def test_prefetch_over_several_instances(cases):
    ours = list(Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("id"))
    django = list(Case.objects.filter(pk__in=[c.pk for c in cases]).order_by("id"))
    items = Prefetch("agreements__items", PerformanceItem.objects.select_related("obligor"))
    prepared_prefetch(ours, ["parties", "events", items], key="test-several")
    prefetch_related_objects(django, "parties", "events", items)
    assert [picture(c) for c in ours] == [picture(c) for c in django]


def test_case_get_for_user_sees_what_cases_visible_to_lets_see(
    cases, org, dispute_type, grid_worker, village_mediator, other_village_mediator, subdistrict_mediator, centre_staff,
    leader, outsider,
):
    elsewhere = register(org, dispute_type, centre_staff, village=org.other_village, grid=org.other_grid)
    everyone = [grid_worker, village_mediator, other_village_mediator, subdistrict_mediator, centre_staff, leader, outsider]
    for user in everyone:
        visible = set(cases_visible_to(user).values_list("id", flat=True))
        for case in [*cases, elsewhere]:
            for lookup in ({"pk": case.pk}, {"number": case.number}):
                if case.pk in visible:
                    found = case_get_for_user(user, **lookup)
                    assert found.pk == case.pk and found.village.name and found.assigned_unit.name
                else:
                    with pytest.raises(Http404):
                        case_get_for_user(user, **lookup)
    assert {u.username for u in everyone if elsewhere.pk in set(cases_visible_to(u).values_list("id", flat=True))} == {
        "wmed", "smed", "staff", "leader"
    }
    with pytest.raises(Http404):
        case_get_for_user(centre_staff, pk="x")
    assert case_get_for_user(centre_staff, pk=str(cases[0].pk)).pk == cases[0].pk
    for beyond in (2**63, 10**20, 0):
        with pytest.raises(Http404):
            case_get_for_user(centre_staff, pk=beyond)


def test_the_case_page_compiles_only_what_it_cannot_keep(client, cases, village_mediator, monkeypatch):
    """Before its reads were prepared the page compiled some twenty queries on every view."""
    client.force_login(village_mediator)
    url = reverse("web:case_detail", args=[cases[1].pk])
    client.get(url)
    compiled = []
    as_sql = SQLCompiler.as_sql

    def counting(self, *args, **kwargs):
        compiled.append(self.query.model.__name__ if self.query.model else "?")
        return as_sql(self, *args, **kwargs)

    monkeypatch.setattr(SQLCompiler, "as_sql", counting)
    response = client.get(url)
    assert response.status_code == 200 and "事项2" in response.content.decode()
    # the session and the user
    assert len(compiled) <= 3, compiled
    assert "Case" not in compiled and "Party" not in compiled and "CaseEvent" not in compiled
    assert client.get(reverse("web:case_detail", args=[10**20])).status_code == 404
