"""The rows the case page's panels write out in Python (mediation's consents, sessions and
records, the dossier checklist) are the markup their templates drew: each is compared, in
both languages and with text that needs escaping, with the template it replaced, rendered by
Django's own template language (whitespace aside)."""

import re
from datetime import datetime, timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from jiefen.documents.panels import checklist_rows_html
from jiefen.documents.selectors import AS_NEEDED, REQUIRED, ChecklistItem, DocumentLink
from jiefen.mediation.models import PartyConsent, Record, Session, SessionStatus
from jiefen.mediation.panel import consents_html, records_html, session_html
from jiefen.organisation.models import Room, RoomKind
from jiefen.web.display import in_local_time, lines_html, local_minute

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
