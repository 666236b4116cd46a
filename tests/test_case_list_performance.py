"""The web case list costs the same whatever the number of matching cases, on its first page and
deep in its keyset pages, and still shows each user only what they may see."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jiefen.cases.models import Case, CaseState, RiskGrade

PAGE = 25
_serial = itertools.count(1)


def _more_like(case, count, **changes):
    """`count` copies of a registered case (fresh numbers), without registering each."""
    made = []
    for _ in range(count):
        copy = Case.objects.get(pk=case.pk)
        copy.pk = None
        copy.number = f"{case.number}-{next(_serial)}"
        for name, value in changes.items():
            setattr(copy, name, value)
        copy.save()
        made.append(copy)
    return made


def _list(client, params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("web:case_list"), params)
    assert response.status_code == 200
    return response.content.decode(), len(queries.captured_queries)


@pytest.fixture
def east_and_west(make_case, org, centre_staff):
    """One case in each village, the west one routed to the west village's units."""
    east = make_case(title="东村的纠纷")
    west = make_case(actor=centre_staff, title="西村的纠纷", village=org.other_village, grid=org.other_grid)
    assert east.assigned_unit != west.assigned_unit
    return east, west


def _measure(client, east, west, params):
    """Query counts of the first page and of a deep page, with few and then many matching cases."""
    _list(client, params)  # warm the session
    counts = {}
    _more_like(east, 2)
    _more_like(west, 2)
    cursor = Case.objects.order_by("-id").first().pk + 1
    counts["few"] = _list(client, params)[1]
    counts["few_deep"] = _list(client, {**params, "after": cursor})[1]
    for _ in range(30):
        _more_like(east, 1)
        _more_like(west, 1)
    cursor = Case.objects.order_by("-id").first().pk + 1
    page, counts["many"] = _list(client, params)
    counts["many_deep"] = _list(client, {**params, "after": cursor})[1]
    return page, counts


@pytest.mark.parametrize("params", [{}, {"tier": "1"}, {"state": "open", "risk_grade": "blue"}])
def test_staff_list_queries_do_not_grow_with_matching_cases(client, east_and_west, centre_staff, params):
    east, west = east_and_west
    client.force_login(centre_staff)
    page, counts = _measure(client, east, west, {**params, "tier": str(east.tier)} if params.get("tier") else params)
    assert len(set(counts.values())) == 1, counts
    assert page.count('class="case-row"') == PAGE
    assert 'rel="next"' in page
    assert west.title in page and east.title in page


def test_village_mediator_list_queries_do_not_grow_and_show_only_her_village(
    client, east_and_west, village_mediator
):
    east, west = east_and_west
    client.force_login(village_mediator)
    page, counts = _measure(client, east, west, {})
    assert len(set(counts.values())) == 1, counts
    assert page.count('class="case-row"') == PAGE
    assert east.title in page and west.title not in page
    assert west.number not in page
    # Every page of the cursor stays in her village.
    seen, params = 0, {}
    while True:
        response = client.get(reverse("web:case_list"), params)
        rows = response.context["cases"]
        assert all(case.village_id == east.village_id for case in rows)
        seen += len(rows)
        if not response.context["next_after"]:
            break
        params = {"after": response.context["next_after"]}
    assert seen == Case.objects.filter(village=east.village).count() == 33


def test_rows_show_translated_labels_and_links_as_before(client, make_case, centre_staff):
    case = make_case(title="标签纠纷", risk_grade=RiskGrade.RED)
    client.force_login(centre_staff)
    page, _ = _list(client, {})
    assert f'href="{reverse("web:case_detail", args=[case.pk])}"' in page
    assert f'<span class="badge risk-red" title="风险等级">{RiskGrade.RED.label}</span>' in page
    assert f'<span class="badge state state-{case.state}">{CaseState(case.state).label}</span>' in page
    client.post(reverse("set_language"), {"language": "en", "next": "/cases/"})
    english, _ = _list(client, {})
    assert 'title="Risk grade"' in english or 'title="风险等级"' not in english


def test_filter_selects_keep_their_choice_and_labels(client, make_case, centre_staff, org):
    make_case()
    client.force_login(centre_staff)
    page, _ = _list(client, {"village": org.other_village.pk, "state": "open", "tier": "9"})
    assert f'<option value="{org.other_village.pk}" selected>{org.other_village.name}</option>' in page
    assert '<option value="open" selected>' in page
    assert '<select name="tier" aria-invalid="true"' in page or 'aria-invalid="true" id="id_tier"' in page
    assert '<label for="id_village">村(社区)</label>' in page


# A village mediator's cases are those of her village's units (room and committee): SQLite
# merges the two units' ranges by sorting them, which is bounded by one village's cases.
@pytest.mark.parametrize("persona", ["centre_staff", "leader", "subdistrict_mediator", "grid_worker"])
@pytest.mark.parametrize("params", [{}, {"overdue": "on"}, {"tier": "1"}, {"state": "open"}, {"mine": "on"}], ids=str)
def test_each_page_walks_an_index_in_id_order_on_sqlite(client, east_and_west, request, persona, params):
    """A page reads its 26 rows off an index in id order; sorting every visible case instead (as
    when the subdistrict's own index went missing) costs a second at a million cases."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's (PostgreSQL plans by its statistics)")
    client.force_login(request.getfixturevalue(persona))
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("web:case_list"), params).status_code == 200
    pages = [q["sql"] for q in queries.captured_queries if 'FROM "cases_case"' in q["sql"] and 'ORDER BY "cases_case"."id" DESC' in q["sql"]]
    assert pages, [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        for sql in pages:
            plan = " | ".join(str(row[-1]) for row in cursor.execute(f"EXPLAIN QUERY PLAN {sql}").fetchall())
            assert "TEMP B-TREE FOR ORDER BY" not in plan, (sql[sql.index(" WHERE "):], plan)
