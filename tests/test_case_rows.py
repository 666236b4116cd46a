"""The rows of every web case list (the case list, 我的工作, duplicates at intake, linked cases):
what each row shows, escaped, and linked to its case page."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from jiefen.cases.models import Case, RiskGrade
from jiefen.web.templatetags.jiefen_web import case_rows


def _rows(html):
    return re.findall(r"<li>.*?</li>", html, flags=re.S)


@pytest.fixture
def listed(make_case, org):
    plain = make_case(title="邻里排水纠纷")
    hostile = make_case(title='<script>alert("x")</script> & 漏水', risk_grade=RiskGrade.RED)
    Case.objects.filter(pk=hostile.pk).update(is_overdue=True, due_date=datetime.date(2026, 3, 9))
    Case.objects.filter(pk=plain.pk).update(is_overdue=False, due_date=None)
    return plain, hostile


def test_a_row_shows_number_badges_title_village_and_time_limit(listed, org):
    plain, hostile = listed
    cases = Case.objects.select_related("village", "assigned_unit").order_by("-id")
    with translation.override("zh-hans"):
        html = str(case_rows(cases, empty_text="无", show_unit=True))
    first, second = _rows(html)
    assert f'href="{reverse("web:case_detail", args=[hostile.pk])}"' in first
    assert hostile.number in first
    assert '<span class="badge badge-overdue">已超期</span>' in first
    assert '<span class="badge risk-red" title="风险等级">红</span>' in first
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; 漏水" in first
    assert "<script>" not in html
    assert '期限 <time datetime="2026-03-09">2026-03-09</time>' in first
    assert f"<span>{org.village.name}</span>" in first
    assert hostile.assigned_unit is not None and f"<span>{hostile.assigned_unit.name}</span>" in first
    assert "badge-overdue" not in second and "无期限" in second
    assert f'class="badge state state-{plain.state}"' in second


def test_the_unit_only_where_asked_and_the_empty_text_when_nothing_is_listed(listed):
    _, hostile = listed
    cases = list(Case.objects.select_related("village", "assigned_unit").filter(pk=hostile.pk))
    assert hostile.assigned_unit.name not in str(case_rows(cases))
    empty = str(case_rows([], empty_text="没有<符合>条件的案件。"))
    assert '<li class="empty">没有&lt;符合&gt;条件的案件。</li>' in empty


def test_english_labels_follow_the_language(listed):
    cases = Case.objects.select_related("village", "assigned_unit").order_by("-id")
    with translation.override("en"):
        html = str(case_rows(cases))
    assert "已超期" not in html and "无期限" not in html
