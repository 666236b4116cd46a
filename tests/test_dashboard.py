"""The statistics pages per persona: who gets in, that the figures on screen are the
indicators' figures over what the user may see, the downloads, and the ledger upload."""

import io
import re
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from jiefen.cases.models import Case
from jiefen.cases.selectors import cases_visible_to
from jiefen.reports import indicators as ind
from jiefen.reports.periods import parse_period

from .conftest import PASSWORD
from .stats_scenario import court, october, types  # noqa: F401  fixtures
from .test_ledger_import import AGREED, REJECTED, xlsx

DASHBOARD = reverse("statistics:dashboard")
OCT = parse_period("2026-10")


def login(client, user):
    assert client.login(username=user.username, password=PASSWORD)
    return client


def figures(html):
    """{figure: text} of the key figures on the dashboard."""
    return {m[0]: m[1].strip() for m in re.findall(r'data-figure="(\w+)">([^<]*)<', html)}


def test_anonymous_goes_to_login(client, db):
    response = client.get(DASHBOARD)
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["outsider", "grid_worker"])
def test_no_dashboard_for_outsiders_and_grid_workers(client, request, persona):
    user = request.getfixturevalue(persona)
    login(client, user)
    for name in ("dashboard", "statistics", "export_table", "export_ledger", "ledger_upload", "ledger_template"):
        response = client.get(reverse(f"statistics:{name}"))
        assert response.status_code == 403, name
    assert "统计分析" not in client.get(reverse("web:my_work")).content.decode()


@pytest.mark.parametrize("persona", ["centre_staff", "leader"])
def test_staff_and_leaders_see_the_whole_subdistrict(client, request, october, persona):
    user = request.getfixturevalue(persona)
    login(client, user)
    response = client.get(DASHBOARD, {"period": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    summary = ind.summary(Case.objects.all(), OCT)
    shown = figures(html)
    assert shown["success_rate"] == summary.success_rate.percent == "75.0%"
    assert shown["performance_rate"] == summary.performance_rate.percent == "66.7%"
    assert shown["on_time_rate"] == shown["not_handed_up_rate"] == "75.0%"
    assert shown["new_cases"] == "4" and shown["open_at_end"] == "4"
    assert shown["criminal_prevented"] == "1" and shown["judicial_confirmations"] == "1" and shown["incidents"] == "2"
    assert shown["screened_households"] == "—" and "暂无排查活动数据" in html
    assert shown["agreement_amount"] == "8,000.00"
    assert "2026年10月" in html and "全街道" in html
    assert html.count("<svg") >= 4 and "纠纷类型分布" in html and "月度趋势" in html
    assert "东村" in html and "西村" in html
    assert 'href="/dashboard/"' in html and "统计分析" in html  # the nav entry
    assert response.context["stats"].summary == summary


def test_a_mediator_sees_their_own_scope(client, october, other_village_mediator):
    login(client, other_village_mediator)
    response = client.get(DASHBOARD, {"period": "2026-10"})
    assert response.status_code == 200
    mine = ind.summary(cases_visible_to(other_village_mediator), OCT)
    shown = figures(response.content.decode())
    assert shown["new_cases"] == str(mine.new_cases) == "1"
    assert shown["success_rate"] == mine.success_rate.percent == "100.0%"
    assert [row.label for row in response.context["stats"].by_village] == ["西村"]  # no other village listed
    assert "本人可见范围" in response.content.decode()
    # The ledger they download holds only their cases.
    ledger = client.get(reverse("statistics:export_ledger"), {"period": "2026-10"})
    rows = list(load_workbook(io.BytesIO(ledger.content)).active.iter_rows(values_only=True))[3:]
    assert [row[3] for row in rows] == ["西村"]
    assert client.get(reverse("statistics:ledger_upload")).status_code == 403


def test_filters_and_periods(client, october, centre_staff, org, types):
    login(client, centre_staff)
    html = client.get(DASHBOARD, {"period": "2026-10", "village": org.village.pk}).content.decode()
    assert figures(html)["new_cases"] == "3" and "村(社区)：东村" in html
    html = client.get(DASHBOARD, {"period": "2026-10", "tier": 3}).content.decode()
    assert figures(html)["success_rate"] == "50.0%"
    html = client.get(DASHBOARD, {"period": "2026-10", "channel": "grid_screening", "dispute_type": types["contract"].pk}).content.decode()
    assert figures(html)["new_cases"] == "1"
    html = client.get(DASHBOARD, {"period": "2026-10", "unit": org.village_room.pk}).content.decode()
    assert figures(html)["new_cases"] == "2"  # A D
    html = client.get(DASHBOARD, {"period": "2026-W53"}).content.decode()
    assert "2026年第53周" in html and figures(html)["success_rate"] == "—"
    html = client.get(DASHBOARD, {"period": "2026-Q3"}).content.decode()
    assert figures(html)["success_rate"] == "100.0%" and "2026-Q2" in html and "2026-Q4" in html  # previous/next links


def test_a_wrong_filter_is_explained_and_the_default_used(client, october, centre_staff):
    login(client, centre_staff)
    response = client.get(DASHBOARD, {"period": "十月"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "无法识别统计期" in html and "筛选条件有误" in html
    response = client.get(DASHBOARD, {"village": "999999"})
    assert "所选村(社区)不存在" in response.content.decode()


def test_the_statistics_tables(client, october, centre_staff):
    login(client, centre_staff)
    response = client.get(reverse("statistics:statistics"), {"period": "2026-10"})
    assert response.status_code == 200
    html = response.content.decode()
    for title in ("按村(社区)", "按纠纷类型", "按来源渠道", "按调处层级", "按承办单位", "按案件状态", "排查预防与衔接"):
        assert title in html
    stats = response.context["stats"]
    assert stats.by_village == ind.breakdown(Case.objects.all(), OCT, "village")
    assert "东村小马调解室" in html and "75.0%" in html and "3/4" in html


def test_downloads_equal_the_screen(client, october, centre_staff):
    login(client, centre_staff)
    response = client.get(reverse("statistics:export_table"), {"period": "2026-10"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=UTF-8''" in response["Content-Disposition"] and "2026-10.xlsx" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content))["统计表"]
    rows = list(sheet.iter_rows(values_only=True))
    assert "测试街道" in rows[1][0]
    total = next(row for row in rows if row[0] == "合计")
    assert total[1] == 4 and total[5] == pytest.approx(0.75)
    ledger = client.get(reverse("statistics:export_ledger"), {"period": "2026-10", "village": october["A"].village_id})
    rows = list(load_workbook(io.BytesIO(ledger.content)).active.iter_rows(values_only=True))
    assert len(rows[3:]) == 3 and rows[3][1] == october["A"].number


def test_ledger_upload_page(client, org, centre_staff):
    login(client, centre_staff)
    url = reverse("statistics:ledger_upload")
    assert client.get(url).status_code == 200
    template = client.get(reverse("statistics:ledger_template"))
    assert template.status_code == 200 and template["Content-Type"].startswith("application/vnd.openxmlformats")

    def upload(content, name="台账.xlsx", **extra):
        handle = io.BytesIO(content)
        handle.name = name
        return client.post(url, {"file": handle, **extra})

    bad = upload(xlsx([dict(AGREED, 纠纷类型="邻居")]).getvalue())
    assert bad.status_code == 400
    html = bad.content.decode()
    assert "未导入任何案件" in html and "纠纷类型" in html and "邻居" in html and Case.objects.count() == 0

    dry = upload(xlsx([AGREED, REJECTED]).getvalue(), dry_run="on")
    assert dry.status_code == 200 and "检查通过" in dry.content.decode() and Case.objects.count() == 0

    good = upload(xlsx([AGREED, REJECTED]).getvalue())
    assert good.status_code == 200 and "已导入2件历史案件" in good.content.decode()
    assert Case.objects.filter(imported=True).count() == 2
    again = upload(xlsx([AGREED, REJECTED]).getvalue())
    assert "2行此前已导入" in again.content.decode() and Case.objects.count() == 2

    wrong = upload(b"plain text", name="ledger.csv")
    assert wrong.status_code == 400 and ".xlsx" in wrong.content.decode()


def test_dashboard_query_count_is_bounded(client, october, centre_staff, django_assert_max_num_queries):
    login(client, centre_staff)
    client.get(DASHBOARD, {"period": "2026-10"})
    with django_assert_max_num_queries(60):
        client.get(DASHBOARD, {"period": "2026-10"})
