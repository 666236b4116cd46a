"""Statistics snapshots (jiefen/reports/snapshots.py): the dashboard and the statistics tables
read figures computed a moment ago; who shares them, how they are refreshed, what they cost."""

import json
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_tasks import default_task_backend

from jiefen.cases.selectors import cases_visible_to
from jiefen.reports import indicators as ind
from jiefen.reports import snapshots
from jiefen.reports.models import StatisticsSnapshot
from jiefen.reports.periods import MONTH, period_containing
from jiefen.scheduler.duties import DUTIES

from .conftest import PASSWORD

DASHBOARD = reverse("statistics:dashboard")
TABLES = reverse("statistics:statistics")
REFRESH = reverse("statistics:refresh")
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def new_cases(html):
    return int(re.search(r'data-figure="new_cases">(\d+)<', html)[1])


@pytest.fixture
def west_case(make_case, org, centre_staff):
    def make(n=1):
        for _ in range(n):
            make_case(actor=centre_staff, village=org.other_village, grid=org.other_grid, address="西村1组")

    return make


def age(seconds):
    StatisticsSnapshot.objects.update(computed_at=timezone.now() - timedelta(seconds=seconds))


def test_the_second_view_reads_the_snapshot_and_costs_the_same_whatever_the_cases(client, leader, make_case, west_case):
    login(client, leader)

    def second_view_queries():
        StatisticsSnapshot.objects.all().delete()
        client.get(DASHBOARD)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(DASHBOARD)
        assert response.status_code == 200
        return len(queries), new_cases(response.content.decode())

    make_case()
    few, shown = second_view_queries()
    assert shown == 1
    make_case()
    west_case(4)
    many, shown = second_view_queries()
    assert shown == 6
    assert few == many <= 8
    # The tables page draws its own charts onto the same snapshot once.
    assert client.get(TABLES).content.decode().count("<svg") == 2
    with CaptureQueriesContext(connection) as queries:
        html = client.get(TABLES).content.decode()
    assert html.count("<svg") == 2 and len(queries) <= few
    assert StatisticsSnapshot.objects.count() == 1


def test_a_stale_snapshot_is_served_and_refreshed_once_in_the_background(client, leader, make_case, settings):
    settings.TASKS = DUMMY_TASKS
    login(client, leader)
    make_case()
    client.get(DASHBOARD)
    make_case()
    age(settings.STATISTICS_MAX_AGE + 1)
    default_task_backend.clear()

    first = client.get(DASHBOARD).content.decode()
    second = client.get(DASHBOARD).content.decode()
    assert new_cases(first) == new_cases(second) == 1  # what was computed, not a wait
    assert "正在后台更新" in first
    assert [r.task.name for r in default_task_backend.results] == ["statistics_snapshot_refresh_task"]

    # The worker runs it: the next view shows the new case, and is fresh.
    default_task_backend.results[0].task.call(*default_task_backend.results[0].args)
    third = client.get(DASHBOARD).content.decode()
    assert new_cases(third) == 2 and "正在后台更新" not in third
    assert len(default_task_backend.results) == 1


def test_figures_nobody_has_yet_are_computed_once_in_the_background_while_the_page_says_so(
    client, leader, make_case, settings
):
    settings.TASKS = DUMMY_TASKS
    settings.STATISTICS_IN_BACKGROUND = True
    make_case()
    default_task_backend.clear()
    login(client, leader)
    for url in (DASHBOARD, TABLES, DASHBOARD):
        response = client.get(url)
        page = response.content.decode()
        assert response.status_code == 200 and "正在统计" in page and '<meta http-equiv="refresh" content="3">' in page
        assert "data-figure" not in page
    # Three readers, one view: one task, claimed on one waiting row.
    assert [r.task.name for r in default_task_backend.results] == ["statistics_snapshot_refresh_task"]
    assert StatisticsSnapshot.objects.get().payload == b""
    # The worker computes it: the page now shows the figures and starts nothing more.
    result = default_task_backend.results[0]
    result.task.call(*result.args)
    page = client.get(DASHBOARD).content.decode()
    assert new_cases(page) == 1 and "正在统计" not in page and 'http-equiv="refresh"' not in page
    assert len([r for r in default_task_backend.results if r.args == result.args]) == 1


def test_a_first_computation_whose_worker_died_is_claimed_again(client, leader, make_case, settings):
    settings.TASKS = DUMMY_TASKS
    settings.STATISTICS_IN_BACKGROUND = True
    make_case()
    default_task_backend.clear()
    login(client, leader)
    last_month = {"period": period_containing(MONTH, timezone.localdate()).previous().code}
    client.get(DASHBOARD, last_month)
    client.get(DASHBOARD, last_month)
    assert len(default_task_backend.results) == 1
    # The warm duty's clean-up leaves a row whose figures are on their way …
    snapshots.statistics_snapshots_warm()
    waiting = StatisticsSnapshot.objects.filter(payload=b"")
    assert waiting.count() == 1
    # … and once its claim has expired (the worker died), the next reader claims it again.
    waiting.update(refresh_claimed_at=timezone.now() - snapshots.CLAIM_TIMEOUT - timedelta(seconds=1))
    assert "正在统计" in client.get(DASHBOARD, last_month).content.decode()
    assert len(default_task_backend.results) == 2


def test_a_fresh_snapshot_is_not_recomputed(client, leader, make_case, settings):
    settings.TASKS = DUMMY_TASKS
    login(client, leader)
    make_case()
    client.get(DASHBOARD)
    default_task_backend.clear()
    make_case()
    assert new_cases(client.get(DASHBOARD).content.decode()) == 1
    assert default_task_backend.results == []


def test_the_refresh_button_recomputes_at_most_once_per_interval(client, leader, make_case, settings):
    login(client, leader)
    make_case()
    page = client.get(DASHBOARD, {"period": period_containing(MONTH, timezone.localdate()).code}).content.decode()
    assert "统计时间" in page and 'action="/statistics/refresh/?period=' in page
    make_case()
    age(settings.STATISTICS_REFRESH_INTERVAL + 1)

    response = client.post(REFRESH, {"page": "statistics"}, follow=True)
    assert response.redirect_chain[-1][0] == TABLES
    assert "统计数据已重新计算" in response.content.decode()
    assert new_cases(client.get(DASHBOARD).content.decode()) == 2

    make_case()  # computed a moment ago: the button does not recompute again yet
    response = client.post(REFRESH, follow=True)
    assert response.redirect_chain[-1][0] == DASHBOARD
    assert "刚刚更新过" in response.content.decode() and new_cases(response.content.decode()) == 2


def test_the_refresh_button_hands_the_recomputation_to_the_worker(client, leader, make_case, settings):
    settings.TASKS = DUMMY_TASKS
    settings.STATISTICS_IN_BACKGROUND = True
    login(client, leader)
    make_case()
    client.get(DASHBOARD)
    result = default_task_backend.results[0]
    result.task.call(*result.args)
    default_task_backend.clear()
    make_case()
    age(settings.STATISTICS_REFRESH_INTERVAL + 1)

    response = client.post(REFRESH, follow=True)
    page = response.content.decode()
    # The request computed nothing: the page shows the figures it had and says they are coming.
    assert "已开始重新计算" in page and new_cases(page) == 1 and "正在后台更新" in page
    assert [r.task.name for r in default_task_backend.results] == ["statistics_snapshot_refresh_task"]
    # Pressed again meanwhile (or by a colleague sharing the figures): no second task.
    assert "刚刚更新过" in client.post(REFRESH, follow=True).content.decode()
    assert len(default_task_backend.results) == 1

    result = default_task_backend.results[0]
    result.task.call(*result.args)
    page = client.get(DASHBOARD).content.decode()
    assert new_cases(page) == 2 and "正在后台更新" not in page
    assert len(default_task_backend.results) == 1


def test_the_refresh_button_on_figures_nobody_has_starts_their_first_computation(client, leader, make_case, settings):
    settings.TASKS = DUMMY_TASKS
    settings.STATISTICS_IN_BACKGROUND = True
    login(client, leader)
    make_case()
    default_task_backend.clear()
    response = client.post(REFRESH, follow=True)
    assert "已开始重新计算" in response.content.decode() and "正在统计" in response.content.decode()
    assert [r.task.name for r in default_task_backend.results] == ["statistics_snapshot_refresh_task"]
    assert StatisticsSnapshot.objects.get().payload == b""


def test_refresh_needs_post_and_the_statistics(client, leader, grid_worker):
    login(client, leader)
    assert client.get(REFRESH).status_code == 405
    login(client, grid_worker)
    assert client.post(REFRESH).status_code == 403


def test_the_warm_duty_fills_each_subdistricts_default_view(client, org, leader, make_case, settings):
    settings.TASKS = DUMMY_TASKS
    make_case()
    assert any(d.task_path.endswith("statistics_snapshots_warm_task") for d in DUTIES)
    assert len(snapshots.statistics_snapshots_warm()) == 1
    assert StatisticsSnapshot.objects.count() == 1
    assert snapshots.statistics_snapshots_warm() == []  # fresh: left alone

    # The leader's first visit is served from it: no aggregate over the cases.
    login(client, leader)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(DASHBOARD).content.decode()
    assert new_cases(html) == 1 and not any("cases_case" in q["sql"] for q in queries.captured_queries)
    assert StatisticsSnapshot.objects.count() == 1


def test_old_snapshots_are_dropped_by_the_warm_duty(org, leader, make_case):
    make_case()
    snapshots.statistics_snapshots_warm()
    age(snapshots.KEEP.total_seconds() + 1)
    assert len(snapshots.statistics_snapshots_warm()) == 1
    assert StatisticsSnapshot.objects.count() == 1


def test_a_village_user_never_reads_the_leaders_figures(client, leader, village_mediator, other_village_mediator, make_case, west_case):
    make_case()
    west_case(2)
    # The leader's snapshot is there first: the village mediators must not be served it.
    assert new_cases(login(client, leader).get(DASHBOARD).content.decode()) == 3
    east = login(client, village_mediator).get(DASHBOARD)
    west = login(client, other_village_mediator).get(DASHBOARD)
    period = period_containing(MONTH, timezone.localdate())
    assert new_cases(east.content.decode()) == ind.summary(cases_visible_to(village_mediator), period).new_cases == 1
    assert new_cases(west.content.decode()) == ind.summary(cases_visible_to(other_village_mediator), period).new_cases == 2
    assert [row.label for row in west.context["stats"].by_village] == ["西村"]
    assert StatisticsSnapshot.objects.count() == 3


def test_users_share_a_snapshot_only_with_the_same_cases(org, leader, centre_staff, village_mediator, other_village_mediator, grid_worker):
    period = period_containing(MONTH, timezone.localdate())

    def key(user):
        return snapshots.View.of(user, period, ind.NO_FILTERS).key

    assert key(leader) == key(centre_staff)  # the same subdistrict, the same cases
    assert len({key(leader), key(village_mediator), key(other_village_mediator)}) == 3
    # The scope, not the name: a renamed user keeps their key, and the filters are in it too.
    village_mediator.username = "leader"
    assert key(village_mediator) != key(leader)
    east = snapshots.View.of(leader, period, ind.Filters.of(village=org.village, tier=2))
    assert east.key != key(leader)
    # What a background refresh rebuilds from its task's arguments is the same view.
    rebuilt = snapshots.View.from_args(json.loads(json.dumps(east.as_args())))
    assert rebuilt.key == east.key


def test_labels_follow_the_readers_language(client, leader, make_case):
    login(client, leader)
    make_case()
    chinese = client.get(TABLES).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(TABLES).content.decode()
    assert "网格排查" in chinese and "Grid screening" not in chinese
    assert "Grid screening" in english and "Figures as of" in english
    assert StatisticsSnapshot.objects.count() == 2


def test_exports_still_compute_directly(client, leader, make_case):
    login(client, leader)
    make_case()
    client.get(DASHBOARD)
    make_case()
    from io import BytesIO

    from openpyxl import load_workbook

    ledger = client.get(reverse("statistics:export_ledger"))
    rows = [row for row in list(load_workbook(BytesIO(ledger.content)).active.iter_rows(values_only=True))[3:] if row[0]]
    assert len(rows) == 2


def test_a_tampered_snapshot_is_never_unpickled_but_recomputed(client, leader, make_case, caplog):
    make_case()
    login(client, leader)
    first = new_cases(client.get(DASHBOARD).content.decode())
    row = StatisticsSnapshot.objects.get()
    payload = bytearray(row.payload)
    payload[-1] ^= 0xFF  # one flipped byte in the pickle, the MAC left as it was
    StatisticsSnapshot.objects.filter(pk=row.pk).update(payload=bytes(payload))
    assert snapshots._load({"key": row.key, "payload": bytes(payload)}) is None
    assert "fails its integrity check" in caplog.text

    assert new_cases(client.get(DASHBOARD).content.decode()) == first  # recomputed, not read
    assert bytes(StatisticsSnapshot.objects.get().payload) != bytes(payload)
    assert snapshots._load({"key": row.key, "payload": StatisticsSnapshot.objects.get().payload}) is not None
