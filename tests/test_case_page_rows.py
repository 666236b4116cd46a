"""The rows the case page's panels write out in Python (mediation's consents, sessions and
records, the dossier checklist), and the case's own head, time limit and facts, are the
markup their templates drew: each is compared, in both languages and with text that needs
escaping, with the template it replaced, rendered by Django's own template language
(whitespace aside)."""

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from jiefen.cases.models import Case
from jiefen.cases.selectors import CASE_PAGE_RELATED
from jiefen.documents.panels import checklist_rows_html
from jiefen.documents.selectors import AS_NEEDED, REQUIRED, ChecklistItem, DocumentLink
from jiefen.mediation.models import (
    Agreement,
    AgreementSignature,
    ItemStatus,
    PartyConsent,
    PerformanceFinding,
    PerformanceItem,
    Record,
    ReturnVisit,
    Satisfaction,
    Session,
    SessionStatus,
    SignerKind,
    SignMethod,
)
from jiefen.mediation.panel import consents_html, records_html, session_html
from jiefen.mediation.panel_agreements import agreement_summary_html, item_lines_html, visits_html
from jiefen.organisation.models import Room, RoomKind
from jiefen.web.display import case_deadline_html, case_facts_html, case_head_html, in_local_time, lines_html, local_minute

from .test_case_detail_performance import mediating_case

LANGUAGES = ["zh-hans", "en"]
TRICKY = "A&B <i>\"引号\"</i> 'x'"


def squeeze(html):
    return re.sub(r"\s+", " ", str(html)).replace("> <", "><").strip()


def drawn_by_template(source, **context):
    return squeeze(Template("{% load i18n %}" + source).render(Context(context)))


MOMENTS = [
    timezone.make_aware(datetime(2026, 3, 1, 23, 59)),
    datetime(2026, 3, 1, 23, 59, tzinfo=timezone.get_fixed_timezone(-600)),
    datetime(2026, 12, 31, 0, 5),
]


@pytest.mark.parametrize("moment", MOMENTS)
def test_local_minute_as_the_date_filter(moment):
    assert local_minute(moment) == drawn_by_template('{{ moment|date:"Y-m-d H:i" }}', moment=moment)
    assert in_local_time(moment).isoformat() == drawn_by_template("{{ moment|date:'c' }}", moment=moment)
    assert local_minute(None) == ""


@pytest.mark.parametrize("text", ["一行", "第一行\r\n第二行\r第三行\n第四行", TRICKY, mark_safe("<b>已审</b>\n好"), ""])
def test_lines_html_as_linebreaksbr(text):
    assert lines_html(text) == drawn_by_template("{{ text|linebreaksbr }}", text=text)


RECORD_TEMPLATE = """{% load jiefen_web %}{% for r in records %}
      <li class="m-row">
        <details class="m-record">
          <summary><strong>{{ r|choice_label:"kind" }}</strong> <span class="muted">{{ r.held_at|date:"Y-m-d H:i" }} · {{ r.place }}</span></summary>
          <dl class="facts compact">
            <div><dt>{% translate "时间" %}</dt><dd>{{ r.held_at|date:"Y-m-d H:i" }}</dd></div>
            <div><dt>{% translate "地点" %}</dt><dd>{{ r.place }}</dd></div>
            <div><dt>{% translate "参加人员" %}</dt><dd>{{ r.participants|linebreaksbr }}</dd></div>
            <div><dt>{% translate "陈述与调查情况" %}</dt><dd>{{ r.statements|linebreaksbr }}</dd></div>
            <div><dt>{% translate "结果" %}</dt><dd>{{ r.result|linebreaksbr|default:"—" }}</dd></div>
            <div><dt>{% translate "记录人" %}</dt><dd>{{ r.recorded_by.get_full_name|default:r.recorded_by.username }}</dd></div>
          </dl>
        </details>
      </li>
      {% endfor %}"""

CONSENT_TEMPLATE = """{% load jiefen_web %}{% for row in consents %}
      <li class="m-row">
        <p class="m-row-head"><strong>{{ row.party.name }}</strong> <span class="muted">{{ row.party|choice_label:"role" }}</span></p>
        <p class="badges">
          {% if row.latest %}
            <span class="badge {% if row.refused %}badge-warn{% else %}state{% endif %}">{{ row.latest|choice_label:"decision" }}</span>
          {% else %}
            <span class="badge">{% translate "尚未表态" %}</span>
          {% endif %}
          {% if row.acknowledged %}<span class="badge state">{% translate "已签收告知书" %}</span>{% else %}<span class="badge">{% translate "未签收告知书" %}</span>{% endif %}
        </p>
        {% if row.latest %}<p class="m-meta">{{ row.latest.recorded_at|date:"Y-m-d H:i" }}{% if row.latest.method %} · {{ row.latest.method }}{% endif %} · {% translate "记录人" %} {{ row.latest.recorded_by.get_full_name|default:row.latest.recorded_by.username }}</p>{% endif %}
      </li>
      {% endfor %}"""

SESSION_TEMPLATE = """{% load jiefen_web %}<p class="m-row-head"><strong>{{ s|choice_label:"kind" }}</strong>
          <time datetime="{{ s.starts_at|date:'c' }}">{{ s.starts_at|date:"Y-m-d H:i" }}</time>–{{ s.ends_at|date:"H:i" }}
          <span class="badge{% if s.status == 'cancelled' %}{% elif s.status == 'held' %} state{% else %} badge-new{% endif %}">{{ s|choice_label:"status" }}</span></p>
        <p class="m-meta">{% if s.room %}{{ s.room.name }}{% if s.room.location %}（{{ s.room.location }}）{% endif %}{% else %}{{ s.place }}{% endif %} · {% translate "调解员：" %}{% for m in s.mediators.all %}{{ m.get_full_name|default:m.username }}{% if not forloop.last %}、{% endif %}{% endfor %}</p>"""

CHECKLIST_TEMPLATE = """{% for entry in panel.items %}
      <tr class="{% if entry.missing %}d-row-missing{% elif entry.present %}d-row-present{% else %}d-row-none{% endif %}">
        <th scope="row">{{ entry.name }}{% if entry.note %}<span class="d-note">{{ entry.note }}</span>{% endif %}</th>
        <td>{% if entry.required %}<span class="badge d-required">{% translate "必备" %}</span>{% else %}<span class="badge">{% translate "视情" %}</span>{% endif %}</td>
        <td>{% if entry.present %}<span class="badge d-ok">{% translate "已具备" %}</span>{% elif entry.required %}<span class="badge badge-overdue">{% translate "缺" %}</span>{% else %}<span class="muted">{% translate "无" %}</span>{% endif %}</td>
        <td class="d-links">
          {% if panel.can_download %}
            {% for doc in entry.documents %}
              <span class="d-doc">{% if entry.documents|length > 1 %}<span class="d-doc-name">{{ doc.name }}</span>{% endif %}
                <a href="{{ doc.pdf }}" download>PDF</a> · <a href="{{ doc.docx }}" download>DOCX</a></span>
            {% empty %}{% if entry.key == "evidence" and entry.present %}<span class="muted">{% translate "见卷宗" %}</span>{% endif %}
            {% endfor %}
          {% endif %}
        </td>
      </tr>
    {% endfor %}"""


@pytest.fixture
def case(org, dispute_type, centre_staff, village_mediator):
    return mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_records_as_the_template_drew_them(language, case, village_mediator):
    village_mediator.first_name, village_mediator.last_name = "", ""  # the username stands in
    records = [
        Record(case=case, kind="mediation", held_at=MOMENTS[0], place=TRICKY, participants="甲\r\n乙",
               statements="陈述<一>\n陈述二", result="", recorded_by=village_mediator),
        Record(case=case, kind="investigation", held_at=MOMENTS[1], place="调解室", participants="甲",
               statements="—", result="达成&协议", recorded_by=village_mediator),
    ]
    with translation.override(language):
        assert squeeze(records_html(records)) == drawn_by_template(RECORD_TEMPLATE, records=records)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_consents_as_the_template_drew_them(language, case, village_mediator):
    first, second = case.parties.all()[:2]
    first.name = TRICKY
    consent = PartyConsent(party=first, decision="refuse", method="电话<口头>", recorded_by=village_mediator,
                           recorded_at=MOMENTS[0])
    agreed = PartyConsent(party=second, decision="consent", method="", recorded_by=village_mediator, recorded_at=MOMENTS[2])
    rows = [
        {"party": first, "latest": consent, "refused": True, "acknowledged": False},
        {"party": second, "latest": agreed, "refused": False, "acknowledged": True},
        {"party": second, "latest": None, "refused": False, "acknowledged": False},
    ]
    with translation.override(language):
        assert squeeze(consents_html(rows)) == drawn_by_template(CONSENT_TEMPLATE, consents=rows)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_session_lines_as_the_template_drew_them(language, case, org, village_mediator, subdistrict_mediator):
    room = Room.objects.create(name="调解室<1>", kind=RoomKind.MEDIATION, unit=org.village_room, location="东村&西村")
    bare = Room.objects.create(name="会议室", kind=RoomKind.MEETING, unit=org.centre)
    start = timezone.now().replace(microsecond=0) + timedelta(days=1)
    sessions = []
    for status, where in [(SessionStatus.SCHEDULED, {"room": room}), (SessionStatus.HELD, {"room": bare}),
                          (SessionStatus.CANCELLED, {"place": TRICKY})]:
        session = Session.objects.create(case=case, starts_at=start, ends_at=start + timedelta(hours=1, minutes=5),
                                         status=status, booked_by=village_mediator, **where)
        session.mediators.set([village_mediator, subdistrict_mediator])
        sessions.append(Session.objects.select_related("room").prefetch_related("mediators").get(pk=session.pk))
    with translation.override(language):
        for session in sessions:
            assert squeeze(session_html(session)) == drawn_by_template(SESSION_TEMPLATE, s=session)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("can_download", [True, False])
def test_checklist_rows_as_the_template_drew_them(language, can_download):
    link = DocumentLink("acceptance", 0, "受理登记表", "/a.pdf?x=1&y=2", "/a.docx")
    items = [
        ChecklistItem("acceptance", "受理登记表", REQUIRED, True, documents=[link]),
        ChecklistItem("mediation_record", TRICKY, REQUIRED, False, note="调解<记录>"),
        ChecklistItem("agreement", "协议书", AS_NEEDED, True, documents=[link, DocumentLink("agreement", 3, "协议&书", "/p", "/d")]),
        ChecklistItem("evidence", "证据材料", AS_NEEDED, True),
        ChecklistItem("evidence", "证据材料", AS_NEEDED, False),
    ]
    with translation.override(language):
        expected = drawn_by_template(CHECKLIST_TEMPLATE, panel={"items": items, "can_download": can_download})
        assert squeeze(checklist_rows_html(items, can_download=can_download)) == expected


# The case's fact lists as web/case_detail.html drew them before display.case_facts_html.
FACTS_TEMPLATE = """{% load jiefen_web %}
    <section class="card">
      <h2>{% translate "纠纷情况" %}</h2>
      <p class="description">{{ case.description|linebreaksbr }}</p>
      <dl class="facts">
        <div><dt>{% translate "纠纷类型" %}</dt><dd>{{ case.dispute_type.name }}</dd></div>
        <div><dt>{% translate "来源渠道" %}</dt><dd>{{ case|choice_label:"channel" }}</dd></div>
        <div><dt>{% translate "村(社区)" %}</dt><dd>{{ case.village.name }}</dd></div>
        <div><dt>{% translate "村民小组/小区" %}</dt><dd>{{ case.compound.name|default:"—" }}</dd></div>
        <div><dt>{% translate "网格" %}</dt><dd>{{ case.grid.name|default:"—" }}</dd></div>
        <div><dt>{% translate "纠纷发生地址" %}</dt><dd>{{ case.address }}</dd></div>
        <div><dt>{% translate "坐标" %}</dt><dd>{% if case.latitude is not None and case.longitude is not None %}{{ case.latitude }}, {{ case.longitude }}{% else %}—{% endif %}</dd></div>
        <div><dt>{% translate "涉及人数" %}</dt><dd>{{ case.people_involved }}</dd></div>
        <div><dt>{% translate "争议金额(元)" %}</dt><dd>{{ case.amount_in_dispute|default_if_none:"—" }}</dd></div>
        <div><dt>{% translate "群体性纠纷" %}</dt><dd>{{ case.is_group|yesno:_("是,否") }}</dd></div>
        <div><dt>{% translate "有民转刑风险" %}</dt><dd>{{ case.criminal_risk|yesno:_("是,否") }}</dd></div>
        <div><dt>{% translate "风险等级" %}</dt><dd>{{ case|choice_label:"risk_grade" }}</dd></div>
        <div><dt>{% translate "复杂程度" %}</dt><dd>{{ case|choice_label:"complexity" }}</dd></div>
      </dl>
    </section>

    <section class="card">
      <h2>{% translate "分流与承办" %}</h2>
      <dl class="facts">
        <div><dt>{% translate "状态" %}</dt><dd>{{ case|choice_label:"state" }}</dd></div>
        <div><dt>{% translate "调处层级" %}</dt><dd>{{ case|choice_label:"tier" }}</dd></div>
        <div><dt>{% translate "承办单位" %}</dt><dd>{{ case.assigned_unit.name }}</dd></div>
        <div><dt>{% translate "承办调解员" %}</dt><dd>{% if case.mediator %}{{ case.mediator.get_full_name|default:case.mediator.username }}{% else %}{% translate "未分派" %}{% endif %}</dd></div>
        <div><dt>{% translate "需“三联三议”" %}</dt><dd>{{ case.needs_sanlian|yesno:_("是,否") }}</dd></div>
        {% if case.escalated_from_unit_id %}<div><dt>{% translate "原承办单位(上报前)" %}</dt><dd>{{ case.escalated_from_unit.name }}</dd></div>{% endif %}
        <div><dt>{% translate "登记人" %}</dt><dd>{{ case.reported_by.get_full_name|default:case.reported_by.username }}</dd></div>
        <div><dt>{% translate "登记时间" %}</dt><dd>{{ case.created_at|date:"Y-m-d H:i" }}</dd></div>
        <div><dt>{% translate "受理时间" %}</dt><dd>{{ case.accepted_at|date:"Y-m-d H:i"|default:"—" }}</dd></div>
        <div><dt>{% translate "当前时限环节" %}</dt><dd>{{ case.due_stage|stage_label|default:"—" }}</dd></div>
        <div><dt>{% translate "当前时限" %}</dt><dd>{{ case.due_date|date:"Y-m-d"|default:"—" }}{% if case.is_overdue %} <span class="badge badge-overdue">{% translate "已超期" %}</span>{% endif %}</dd></div>
        <div><dt>{% translate "调解期限" %}</dt><dd>{{ case.mediation_due_date|date:"Y-m-d"|default:"—" }}</dd></div>
        <div><dt>{% translate "经当事人同意延长(日)" %}</dt><dd>{{ case.mediation_extended_days }}</dd></div>
        {% if case.recurrence_of %}<div><dt>{% translate "复发自" %}</dt><dd><a href="{% url 'web:case_detail' case.recurrence_of.pk %}">{{ case.recurrence_of.number }}</a></dd></div>{% endif %}
        {% if recurrences %}<div><dt>{% translate "复发案件" %}</dt><dd>{% for r in recurrences %}<a href="{% url 'web:case_detail' r.pk %}">{{ r.number }}</a>{% if not forloop.last %}、{% endif %}{% endfor %}</dd></div>{% endif %}
      </dl>
    </section>

    {% if case.agreement_form or case.referral_route or case.referred_to or case.rejection_pointed_to or case.concluded_at or case.closed_at %}
    <section class="card">
      <h2>{% translate "结果" %}</h2>
      <dl class="facts">
        {% if case.rejection_pointed_to %}<div><dt>{% translate "不予受理时告知的途径" %}</dt><dd>{{ case.rejection_pointed_to }}</dd></div>{% endif %}
        {% if case.agreement_form %}<div><dt>{% translate "协议形式" %}</dt><dd>{{ case|choice_label:"agreement_form" }}</dd></div>{% endif %}
        {% if case.performance_due %}<div><dt>{% translate "约定履行期限" %}</dt><dd>{{ case.performance_due|date:"Y-m-d" }}</dd></div>{% endif %}
        {% if case.referral_route %}<div><dt>{% translate "移送途径" %}</dt><dd>{{ case|choice_label:"referral_route" }}</dd></div>{% endif %}
        {% if case.referred_to %}<div><dt>{% translate "移送/上交至" %}</dt><dd>{{ case.referred_to }}</dd></div>{% endif %}
        {% if case.concluded_at %}<div><dt>{% translate "调解结束时间" %}</dt><dd>{{ case.concluded_at|date:"Y-m-d H:i" }}</dd></div>{% endif %}
        {% if case.closed_at %}<div><dt>{% translate "办结时间" %}</dt><dd>{{ case.closed_at|date:"Y-m-d H:i" }}</dd></div>
          <div><dt>{% translate "按期办结" %}</dt><dd>{{ case.closed_within_limits|yesno:_("是,否,—") }}</dd></div>
          <div><dt>{% translate "在街道内化解" %}</dt><dd>{{ case.closed_inside_subdistrict|yesno:_("是,否,—") }}</dd></div>{% endif %}
      </dl>
    </section>
    {% endif %}"""


def _facts_variants(case, other):
    """The case as registered, then with every optional fact filled in with text to escape."""
    yield case, []
    case.description = TRICKY + "\r\n第二行"
    case.address, case.referred_to, case.rejection_pointed_to = TRICKY, "法院<民庭>", "诉讼&仲裁"
    case.latitude, case.longitude, case.amount_in_dispute = Decimal("30.123456"), Decimal("-120.5"), Decimal("12345.60")
    case.is_group, case.criminal_risk, case.needs_sanlian, case.is_overdue = True, True, True, True
    case.compound, case.grid, case.mediator = None, None, None
    case.recurrence_of, case.escalated_from_unit = other, other.assigned_unit
    case.agreement_form, case.referral_route = "written", "court"
    case.performance_due, case.due_date, case.mediation_due_date = date(2026, 5, 1), date(2026, 4, 2), date(999, 1, 9)
    case.accepted_at, case.concluded_at, case.closed_at = MOMENTS[0], MOMENTS[1], MOMENTS[2]
    case.closed_within_limits, case.closed_inside_subdistrict, case.mediation_extended_days = None, False, 15
    case.due_stage = "performance"
    yield case, [other, case]
    case.closed_within_limits, case.closed_inside_subdistrict, case.due_stage = True, None, ""
    case.reported_by.first_name = case.reported_by.last_name = ""  # the username stands in
    yield case, [other]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_case_facts_as_the_template_drew_them(language, case, org, dispute_type, centre_staff, village_mediator):
    other = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    case = Case.objects.select_related(*CASE_PAGE_RELATED).get(pk=case.pk)
    with translation.override(language):
        for variant, recurrences in _facts_variants(case, other):
            expected = drawn_by_template(FACTS_TEMPLATE, case=variant, recurrences=recurrences)
            assert squeeze(case_facts_html(variant, recurrences)) == expected
    assert "12345.60" in expected and "&lt;民庭&gt;" in expected and other.number in expected


# The head and the 办理时限 card as web/case_detail.html drew them before display.case_head_html
# and display.case_deadline_html.
HEAD_TEMPLATE = """{% load jiefen_web %}<div class="page-head case-head">
  <div>
    <p class="case-number">{{ case.number }}</p>
    <h1>{{ case.title }}</h1>
    <p class="badges">
      <span class="badge state state-{{ case.state }}">{{ case|choice_label:"state" }}</span>
      <span class="badge risk-{{ case.risk_grade }}">{% blocktranslate with grade=case|choice_label:"risk_grade" %}{{ grade }}色风险{% endblocktranslate %}</span>
      <span class="badge">{{ case|choice_label:"complexity" }}</span>
      {% if case.is_overdue %}<span class="badge badge-overdue">{% translate "已超期" %}</span>{% endif %}
      {% if case.is_group %}<span class="badge badge-warn">{% translate "群体性" %}</span>{% endif %}
      {% if case.criminal_risk %}<span class="badge badge-warn">{% translate "民转刑风险" %}</span>{% endif %}
      {% if case.needs_sanlian %}<span class="badge">{% translate "三联三议" %}</span>{% endif %}
    </p>
  </div>
  <a class="btn no-print" href="{% url 'web:case_print' case.pk %}">{% translate "打印登记表" %}</a>
</div>"""
DEADLINE_TEMPLATE = """{% load jiefen_web %}    <section class="card deadline{% if case.is_overdue %} is-overdue{% endif %}">
      <h2>{% translate "办理时限" %}</h2>
      {% if case.due_date %}
        <p class="due"><span class="muted">{% blocktranslate with stage=case.due_stage|stage_label %}{{ stage }}环节期限{% endblocktranslate %}</span>
          <strong><time datetime="{{ case.due_date|date:'Y-m-d' }}">{{ case.due_date|date:"Y-m-d" }}</time></strong>
          {% if case.is_overdue %}<span class="badge badge-overdue">{% translate "已超期" %}</span>{% endif %}</p>
      {% else %}
        <p class="muted">{% translate "当前环节没有时限。" %}</p>
      {% endif %}
      {% if case.mediation_due_date %}<p class="muted">{% translate "调解期限" %} {{ case.mediation_due_date|date:"Y-m-d" }}{% if case.mediation_extended_days %} · {% blocktranslate with days=case.mediation_extended_days %}经当事人同意已延长{{ days }}日{% endblocktranslate %}{% endif %}</p>{% endif %}
    </section>"""


def _head_variants(case):
    yield case
    case.title, case.number = TRICKY, "JF<2026>&1"
    case.is_overdue, case.is_group, case.criminal_risk, case.needs_sanlian = True, True, True, True
    case.due_date, case.due_stage, case.mediation_due_date, case.mediation_extended_days = date(2026, 4, 2), "mediation", date(2026, 5, 3), 15
    yield case
    case.is_overdue, case.is_group, case.needs_sanlian, case.due_date, case.mediation_extended_days = False, False, False, None, 0
    yield case
    case.mediation_due_date, case.due_date, case.due_stage = None, date(2026, 6, 1), ""
    yield case


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_case_head_and_deadline_as_the_template_drew_them(language, case):
    case = Case.objects.select_related(*CASE_PAGE_RELATED).get(pk=case.pk)
    drawn = []
    with translation.override(language):
        for variant in _head_variants(case):
            expected = drawn_by_template(HEAD_TEMPLATE, case=variant)
            assert squeeze(case_head_html(variant)) == expected
            drawn.append(expected)
            assert squeeze(case_deadline_html(variant)) == drawn_by_template(DEADLINE_TEMPLATE, case=variant)
    assert "&lt;2026&gt;&amp;1" in drawn[1] and "badge-overdue" in drawn[1] and "badge-overdue" not in drawn[2]


AGREEMENT_TEMPLATE = """{% load jiefen_web %}{% with a=row.agreement %}
    <h3>{{ a|choice_label:"form" }}
      {% if a.effective_at %}<span class="badge state">{% translate "已生效" %}</span>
      {% elif row.is_current %}<span class="badge badge-new">{% translate "未生效" %}</span>
      {% else %}<span class="badge">{% translate "已被新稿取代" %}</span>{% endif %}
    </h3>
    {% if row.missing %}
    <div class="alert ag-missing" role="status">
      <p><strong>{% translate "生效前尚需：" %}</strong></p>
      <ul>{% for line in row.missing %}<li>{{ line }}</li>{% endfor %}</ul>
    </div>
    {% endif %}
    <dl class="facts compact">
      {% if a.effective_at %}<div><dt>{% translate "生效时间" %}</dt><dd>{{ a.effective_at|date:"Y-m-d H:i" }}</dd></div>{% endif %}
      <div><dt>{% translate "人民调解委员会" %}</dt><dd>{{ a.committee.name }}</dd></div>
      <div><dt>{% translate "调解员" %}</dt><dd>{{ a.mediator.get_full_name|default:a.mediator.username }}</dd></div>
      {% if a.form == "written" %}<div><dt>{% translate "份数" %}</dt><dd>{% blocktranslate with n=a.copies %}{{ n }}份（当事人各一份，调解委员会留存一份）{% endblocktranslate %}</dd></div>{% endif %}
      <div><dt>{% translate "制作" %}</dt><dd>{{ a.created_at|date:"Y-m-d H:i" }} · {{ a.created_by.get_full_name|default:a.created_by.username }}</dd></div>
      {% if a.signed_scan %}<div><dt>{% translate "签字盖章扫描件" %}</dt><dd><a href="{% url 'agreements:scan' panel.case.pk a.pk %}">{% translate "下载" %}</a></dd></div>{% endif %}
    </dl>
    <details class="more"{% if row.is_current %} open{% endif %}>
      <summary>{% translate "协议内容" %}</summary>
      <dl class="ag-text">
        <dt>{% translate "纠纷主要事实" %}</dt><dd>{{ a.facts|linebreaksbr }}</dd>
        <dt>{% translate "争议事项" %}</dt><dd>{{ a.matters_in_dispute|linebreaksbr }}</dd>
        {% if a.responsibilities %}<dt>{% translate "各方责任" %}</dt><dd>{{ a.responsibilities|linebreaksbr }}</dd>{% endif %}
        <dt>{% translate "协议内容" %}</dt><dd>{{ a.terms|linebreaksbr }}</dd>
      </dl>
    </details>

    {% if a.form == "written" %}
    <h4>{% translate "签署" %} <span class="count-muted">{{ row.signatures|length }}</span></h4>
    {% if row.signatures %}
    <ul class="ag-rows">
      {% for s in row.signatures %}
      <li>{% if s.party %}{{ s.party.name }}{% else %}{{ s|choice_label:"signer_kind" }}{% endif %} · {{ s|choice_label:"method" }} · <time datetime="{{ s.signed_at|date:'c' }}">{{ s.signed_at|date:"Y-m-d H:i" }}</time></li>
      {% endfor %}
    </ul>
    {% else %}<p class="muted">{% translate "尚未登记签署。" %}</p>{% endif %}
    {% endif %}
{% endwith %}"""

ITEM_TEMPLATE = """{% load jiefen_web %}{% with i=r.item %}
        <p class="ag-row-head"><strong>{{ i.what }}</strong>
          <span class="badge{% if i.status == 'performed' %} state{% elif i.status == 'overdue' %} badge-overdue{% elif r.due_soon %} badge-warn{% endif %}">{{ i|choice_label:"status" }}</span></p>
        <p class="ag-meta">{% translate "履行人" %} {{ i.obligor.name }} · {{ i.how }} · {% translate "期限" %} <time datetime="{{ i.due_date|date:'Y-m-d' }}">{{ i.due_date|date:"Y-m-d" }}</time>{% if i.place %} · {{ i.place }}{% endif %}</p>
        {% if i.performed_on %}<p class="ag-meta">{% blocktranslate with day=i.performed_on|date:"Y-m-d" %}{{ day }} 已履行{% endblocktranslate %}{% if i.note %} · {{ i.note }}{% endif %}</p>{% endif %}
{% endwith %}"""

VISIT_TEMPLATE = """{% load jiefen_web %}
      {% for v in panel.visits %}
      <li>
        <p class="ag-row-head"><strong>{{ v.visited_on|date:"Y-m-d" }} · {{ v.party.name }}</strong> <span class="muted">{{ v.method }}</span>
          <span class="badge">{{ v|choice_label:"performance" }}</span> <span class="badge{% if v.satisfaction == 'dissatisfied' %} badge-warn{% endif %}">{{ v|choice_label:"satisfaction" }}</span>
          {% if v.dispute_back %}<span class="badge badge-overdue">{% translate "纠纷复发" %}</span>{% endif %}</p>
        {% if v.hidden_risk %}<p class="ag-meta">{% translate "矛盾隐患：" %}{{ v.hidden_risk }}</p>{% endif %}
        {% if v.measures %}<p class="ag-meta">{% translate "采取措施：" %}{{ v.measures }}</p>{% endif %}
        <p class="ag-meta">{% translate "回访人" %} {{ v.visited_by.get_full_name|default:v.visited_by.username }}</p>
      </li>
      {% endfor %}
"""


def agreement_rows(case, org, mediator):
    """Agreements of each look: written and effective with signatures and a scan; a written
    draft lacking signatures; an oral one superseded; texts needing escaping."""
    first = case.parties.first()
    first.name = TRICKY
    effective = Agreement(id=7, case=case, form="written", facts="事实<一>\r\n事实二", matters_in_dispute=TRICKY,
                          responsibilities="甲方&乙方", terms="条款\n第二条", committee=org.village_committee,
                          mediator=mediator, effective_at=MOMENTS[0], signed_scan="agreements/scan.pdf",
                          created_by=mediator, created_at=MOMENTS[1])
    signatures = [
        AgreementSignature(agreement=effective, signer_kind=SignerKind.PARTY, party=first, method=SignMethod.SIGNATURE, signed_at=MOMENTS[0]),
        AgreementSignature(agreement=effective, signer_kind=SignerKind.COMMITTEE_SEAL, method=SignMethod.SEAL, signed_at=MOMENTS[2]),
    ]
    draft = Agreement(id=8, case=case, form="written", facts="事实", matters_in_dispute="争议", responsibilities="",
                      terms=TRICKY, committee=org.village_committee, mediator=mediator, created_by=mediator, created_at=MOMENTS[2])
    oral = Agreement(id=9, case=case, form="oral", facts="事实", matters_in_dispute="争议", terms="口头",
                     committee=org.village_committee, mediator=mediator, created_by=mediator, created_at=MOMENTS[0])
    return [
        {"agreement": effective, "is_current": True, "missing": [], "signatures": signatures},
        {"agreement": draft, "is_current": True, "missing": [TRICKY, "调解员签名"], "signatures": []},
        {"agreement": oral, "is_current": False, "missing": ["x"], "signatures": []},
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_agreements_as_the_template_drew_them(language, case, org, village_mediator):
    village_mediator.first_name, village_mediator.last_name = "", ""  # the username stands in
    with translation.override(language):
        for row in agreement_rows(case, org, village_mediator):
            assert squeeze(agreement_summary_html(case, row)) == drawn_by_template(
                AGREEMENT_TEMPLATE, row=row, panel={"case": case}
            )


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_performance_items_as_the_template_drew_them(language, case):
    obligor = case.parties.first()
    obligor.name = TRICKY
    items = [
        PerformanceItem(what=TRICKY, obligor=obligor, how="转账<银行>", due_date=date(2026, 3, 1), place="村委会&广场",
                        status=ItemStatus.PERFORMED, performed_on=date(2026, 2, 27), note="按时<履行>"),
        PerformanceItem(what="赔偿", obligor=obligor, how="现金", due_date=date(2026, 3, 1), status=ItemStatus.PERFORMED,
                        performed_on=date(2026, 3, 2)),
        PerformanceItem(what="道歉", obligor=obligor, how="当面", due_date=date(2026, 3, 1), status=ItemStatus.OVERDUE),
    ] + [PerformanceItem(what="修缮", obligor=obligor, how="自行", due_date=date(2026, 3, 1), status=ItemStatus.PENDING)] * 2
    with translation.override(language):
        for n, item in enumerate(items):
            due_soon = n == 3
            r = {"item": item, "due_soon": due_soon}
            assert squeeze(item_lines_html(item, due_soon)) == drawn_by_template(ITEM_TEMPLATE, r=r)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_return_visits_as_the_template_drew_them(language, case, village_mediator):
    first, second = case.parties.all()[:2]
    first.name = TRICKY
    visits = [
        ReturnVisit(party=first, visited_on=date(2026, 4, 2), method="电话<回访>", performance=PerformanceFinding.PARTIAL,
                    satisfaction=Satisfaction.DISSATISFIED, hidden_risk="隐患&风险", measures="措施<一>", dispute_back=True,
                    visited_by=village_mediator),
        ReturnVisit(party=second, visited_on=date(2026, 4, 3), performance=PerformanceFinding.PERFORMED,
                    satisfaction=Satisfaction.SATISFIED, visited_by=village_mediator),
    ]
    with translation.override(language):
        assert squeeze(visits_html(visits)) == drawn_by_template(VISIT_TEMPLATE, panel={"visits": visits})
