"""The case page's cheaper ways of drawing give what Django's give: jiefen_web's {% translate %},
{% url %}, {% static %} and date filter, url_path, choice_label, escape_text, the texts and
translations kept per language, and the closed forms and party cards written out in Python
(the same markup their templates drew)."""

import re
from datetime import date, datetime

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from jiefen.cases.lifecycle import TRANSITIONS
from jiefen.cases.models import Case, CaseEvent, Party
from jiefen.mediation.models import Agreement, PerformanceItem, Session
from jiefen.web.display import (
    TranslatedTexts,
    choice_label,
    escape_text,
    gettext_kept,
    party_card_html,
    timeline,
    url_path,
)

from .test_case_detail_performance import mediating_case

TRANSLATIONS = [
    '{% translate "办理记录" %}',
    '{% translate "理由：" %}|{% trans "填写表单" %}',
    '{% translate "<b>未分派</b>" %}',
    '{% translate "50%已办结" %}',
    '{% translate "受理" context "deadline stage" %}',
    '{% translate "办理记录" as heading %}[{{ heading }}]',
    '{% translate "办理记录" noop %}',
    '{% translate "办理记录"|upper %}',
    "{% translate text %}",
    '{% autoescape off %}{% translate "办理记录" %}{% endautoescape %}',
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("source", TRANSLATIONS)
def test_translate_as_djangos(language, source):
    context = {"text": "<i>办理记录</i>"}
    with translation.override(language):
        ours = Template("{% load i18n jiefen_web %}" + source).render(Context(context))
        djangos = Template("{% load i18n %}" + source).render(Context(context))
    assert ours == djangos
    assert type(ours) is type(djangos)


def test_translate_translates():
    with translation.override("en"):
        assert Template('{% load i18n jiefen_web %}{% translate "办理记录" %}').render(Context()) != "办理记录"


def test_translate_keeps_each_language_apart():
    template = Template('{% load i18n jiefen_web %}{% translate "办理记录" %}')  # one node, as the cached loader keeps it
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            assert template.render(Context()) == translation.gettext("办理记录")


URL_TAGS = [
    ("{% url 'web:case_detail' case_id %}", {"case_id": 7}),
    ("{% url 'web:case_act' 7 action %}", {"action": "update_risk"}),
    ("{% url 'mediation:act_row' case_id 'session_cancel' row %}", {"case_id": 7, "row": 3}),
    ("{% url name case_id %}", {"name": "web:case_print", "case_id": 12}),
    ("{% url 'web:my_work' %}|{% url 'logout' %}|{% url 'set_language' %}", {}),
    ("{% url 'web:case_act' case_id action %}", {"case_id": 7, "action": "<b>"}),  # not a slug: Django's error
    ("{% url 'web:case_detail' pk=7 %}", {}),
    ("{% url 'web:case_detail' 7 as link %}[{{ link }}]", {}),
    ("{% url 'web:nothing' as link %}[{{ link }}]", {}),
    ("{% autoescape off %}{% url 'web:case_detail' 7 %}{% endautoescape %}", {}),
]


@pytest.mark.parametrize("source,context", URL_TAGS)
def test_url_as_djangos(source, context):
    def render(libraries):
        try:
            return Template(libraries + source).render(Context(context))
        except NoReverseMatch:
            return NoReverseMatch

    assert render("{% load i18n jiefen_web %}") == render("")


DATES = [
    timezone.make_aware(datetime(2026, 3, 1, 9, 5)),
    datetime(2026, 3, 1, 23, 59, tzinfo=timezone.get_fixed_timezone(-600)),
    datetime(2026, 12, 31, 0, 0),
    date(2026, 2, 9),
    date(999, 1, 2),
    None,
    "",
    "2026-03-01",
]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("fmt", ['"Y-m-d"', '"Y-m-d H:i"', '"H:i"', "'c'", '"DATE_FORMAT"', None])
def test_date_as_djangos(language, fmt):
    source = "{{ value|date%s }}" % (":" + fmt if fmt else "")
    for value in DATES:
        if isinstance(value, date) and not isinstance(value, datetime) and fmt in ('"Y-m-d H:i"', '"H:i"'):
            continue  # a time of a date is an error either way
        with translation.override(language):
            ours = Template("{% load jiefen_web %}" + source).render(Context({"value": value}))
            djangos = Template(source).render(Context({"value": value}))
        assert ours == djangos, (value, fmt)


ROUTES = [
    ("web:case_detail", [7]),
    ("web:case_act", [7, "update_risk"]),
    ("web:case_action_fields", [7, "start_mediation"]),
    ("web:party_reveal", [7, 12]),
    ("mediation:fields", [7, "third_party"]),
    ("mediation:act_row", [7, "session_cancel", 3]),
    ("agreements:fields_row", [7, "mark", 41]),
    ("documents:document_ref", [7, "rights_notice", 2, "pdf"]),
    ("documents:document", [7, "acceptance", "docx"]),
    ("documents:dossier", [7]),
    ("prevention:referral_fields", [7]),
]


@pytest.mark.parametrize("name,args", ROUTES)
def test_url_path_as_reverse(name, args):
    assert url_path(name, *args) == reverse(name, args=args)
    assert url_path(name, *args) == reverse(name, args=args)  # the kept pattern
    other = [a + 1000 if isinstance(a, int) else a + "x" for a in args]
    assert url_path(name, *other) == reverse(name, args=other)


@pytest.mark.parametrize("name,args", [("web:case_detail", [-1]), ("web:case_act", [7, "a b"]), ("web:case_detail", ["x"])])
def test_url_path_refuses_what_reverse_refuses(name, args):
    with pytest.raises(NoReverseMatch):
        reverse(name, args=args)
    with pytest.raises(NoReverseMatch):
        url_path(name, *args)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_label_as_get_display(language):
    with translation.override(language):
        for model in (Case, CaseEvent, Party, Session, Agreement, PerformanceItem):
            for field in model._meta.fields:
                if not field.choices:
                    continue
                for value in [*(v for v, _label in field.flatchoices), "no-such-choice"]:
                    obj = model(**{field.attname: value})
                    assert str(choice_label(obj, field.name)) == getattr(obj, f"get_{field.name}_display")()


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_choice_label_follows_the_language(language):
    case = Case(state="mediating")
    with translation.override("zh-hans" if language == "en" else "en"):
        choice_label(case, "state")  # kept for the other language first
    with translation.override(language):
        assert choice_label(case, "state") == case.get_state_display()


VALUES = ["a<b>&'\"", mark_safe("<b>kept</b>"), gettext_lazy("办理记录"), 7, "", "纠纷"]


@pytest.mark.parametrize("value", VALUES, ids=range(len(VALUES)))
def test_escape_text_as_conditional_escape(value):
    assert escape_text(value) == conditional_escape(value)


@pytest.mark.parametrize("source", ["{% static 'web/site.css' %}", "{% static path %}", "{% static path as link %}[{{ link }}]"])
def test_static_as_djangos(source, settings):
    def render():
        context = Context({"path": "web/a b&c.js"})
        return Template("{% load static jiefen_web %}" + source).render(context), Template("{% load static %}" + source).render(context)

    ours, djangos = render()
    assert ours == djangos
    settings.STATIC_URL = "/assets/"  # a kept URL is forgotten when the setting changes
    ours, djangos = render()
    assert ours == djangos and "/assets/" in ours


def test_gettext_kept_per_language():
    for language in ("zh-hans", "en", "zh-hans", "en"):
        with translation.override(language):
            assert gettext_kept("理由：") == translation.gettext("理由：")
            assert gettext_kept("调解期限至 %(date)s") == translation.gettext("调解期限至 %(date)s")
    with translation.override("en"):
        assert gettext_kept("理由：") != "理由："


def test_translated_texts_per_language():
    texts = TranslatedTexts(title=gettext_lazy("办理记录"), fill_in=gettext_lazy("填写表单"))
    for language in ("en", "zh-hans", "en"):
        with translation.override(language):
            assert texts().title == translation.gettext("办理记录")
            assert texts().fill_in == escape_text(translation.gettext("填写表单"))
    with translation.override("en"):
        assert texts().title != "办理记录"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_timeline_titles_and_states_in_the_language(language, org, dispute_type, centre_staff, village_mediator):
    case = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    events = list(CaseEvent.objects.filter(case=case).order_by("id"))
    with translation.override("zh-hans" if language == "en" else "en"):
        timeline(events)  # titles kept for the other language first
    with translation.override(language):
        rows = timeline(events)
        accepted = next(row for row in rows if row["event"].action == "accept")
        assert accepted["title"] == str(TRANSITIONS["accept"].label)
        assert accepted["to_state"] == CaseEvent(to_state=accepted["event"].to_state).get_to_state_display()
        created = next(row for row in rows if row["event"].kind == "created")
        assert created["title"] == created["event"].get_kind_display()


def squeeze(html):
    return re.sub(r"\s+", " ", html).replace("> <", "><").strip()


@pytest.mark.django_db
def test_closed_forms_are_drawn_as_their_templates_drew_them(client, org, dispute_type, centre_staff, village_mediator):
    case = mediating_case(org, dispute_type, staff=centre_staff, mediator=village_mediator, size=1)
    item = PerformanceItem.objects.filter(agreement__case=case).first()
    client.force_login(village_mediator)
    page = squeeze(client.get(reverse("web:case_detail", args=[case.pk])).content.decode())
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    csrf = f'<input type="hidden" name="csrfmiddlewaretoken" value="{token}">'
    pk = case.pk
    lazy = '<div class="lazy-fields"><a href="/cases/{pk}/?open={id}#action-{id}">填写表单</a></div>'
    expected = [
        # web/_action_form.html
        f'<details class="action action-update_risk" hx-get="/cases/{pk}/act/update_risk/fields/" hx-trigger="toggle once"'
        f' hx-target="find .lazy-fields" hx-swap="outerHTML"><summary>调整风险等级</summary><form id="action-update_risk"'
        f' method="post" action="/cases/{pk}/act/update_risk/" class="stack">{csrf}<input type="hidden" name="expected_version"'
        f' value="{Case.objects.get(pk=pk).version}">' + lazy.format(pk=pk, id="update_risk") + "</form></details>",
        # mediation/_form.html
        f'<details class="action action-m-evidence" hx-get="/cases/{pk}/mediation/fields/evidence/" hx-trigger="toggle once"'
        f' hx-target="find .lazy-fields" hx-swap="outerHTML"><summary>上传证据材料</summary><form id="action-m-evidence"'
        f' method="post" action="/cases/{pk}/mediation/evidence/" class="stack" enctype="multipart/form-data">{csrf}'
        + lazy.format(pk=pk, id="m-evidence") + "</form></details>",
        # mediation/_agreement_form.html, without a row and with one
        f'<details class="action action-ag-draft" hx-get="/cases/{pk}/agreements/fields/draft/" hx-trigger="toggle once"'
        f' hx-target="find .lazy-fields" hx-swap="outerHTML"><summary>制作调解协议</summary><form id="action-ag-draft"'
        f' method="post" action="/cases/{pk}/agreements/draft/" class="stack">{csrf}'
        + lazy.format(pk=pk, id="ag-draft") + "</form></details>",
        f'<details class="action action-ag-sign" hx-get="/cases/{pk}/agreements/fields/sign/{item.agreement_id}/"'
        f' hx-trigger="toggle once" hx-target="find .lazy-fields" hx-swap="outerHTML"><summary>登记签署</summary>'
        f'<form id="action-ag-sign-{item.agreement_id}" method="post" action="/cases/{pk}/agreements/sign/{item.agreement_id}/"'
        f' class="stack">{csrf}' + lazy.format(pk=pk, id=f"ag-sign-{item.agreement_id}") + "</form></details>",
        # prevention/case_panel.html
        f'<details hx-get="/prevention/cases/{pk}/counselling/fields/" hx-trigger="toggle once" hx-target="find .lazy-fields"'
        f' hx-swap="outerHTML"><summary class="btn btn-small">转介心理疏导</summary><form id="action-counselling" method="post"'
        f' action="/prevention/cases/{pk}/counselling/" class="stack">{csrf}'
        + lazy.format(pk=pk, id="counselling") + "</form></details>",
    ]
    for markup in expected:
        assert squeeze(markup) in page, markup


CSRF = '<input type="hidden" name="csrfmiddlewaretoken" value="t">'


def card(party, **options):
    return squeeze(party_card_html(party, case_id=7, csrf_input=CSRF, **{"revealed": False, "may_reveal": True, **options}))


def test_party_card_masks_numbers_and_offers_to_reveal_them():
    party = Party(
        pk=3, name="张<三>", role="applicant", kind="person", id_number="11010519491231002X", phone="13800138000",
        address="青龙村3组&12号", representative_name="李四", representative_phone="13912345678",
    )
    assert card(party) == squeeze(
        """<li class="party" id="party-3">
  <p class="party-head"><strong>张&lt;三&gt;</strong> <span class="badge">申请人</span> <span class="muted">自然人</span></p>
  <dl class="facts compact">
    <div><dt>证件号码</dt><dd class="mono">1101**********002X</dd></div>
    <div><dt>联系电话</dt><dd class="mono">138****8000</dd></div>
    <div><dt>住址</dt><dd>青龙村3组&amp;12号</dd></div>
    <div><dt>代理人/法定代表人</dt><dd>李四 · <span class="mono">139****5678</span></dd></div>
  </dl>
  <details class="reveal no-print">
    <summary>查看完整信息</summary>
    <form method="post" action="/cases/7/parties/3/reveal/" class="stack" hx-post="/cases/7/parties/3/reveal/" hx-target="#party-3" hx-swap="outerHTML">"""
        + CSRF
        + """<div class="field">
        <label for="reveal-reason-3">查看事由（将记录在案）</label>
        <input type="text" name="reason" id="reveal-reason-3" maxlength="150" required placeholder="如：电话联系当事人约定调解时间">
      </div>
      <button type="submit" class="btn btn-small">显示</button>
    </form>
  </details>
</li>"""
    )
    revealed = card(party, revealed=True)
    assert "11010519491231002X" in revealed and "13800138000" in revealed and "13912345678" in revealed
    assert "完整信息仅本次显示，查看已记录。" in revealed and "<form" not in revealed
    assert "<form" not in card(party, may_reveal=False)


def test_party_card_without_numbers_or_representative():
    party = Party(pk=4, name="王五", role="respondent", kind="person", id_number="", phone="", address="")
    drawn = card(party)
    assert drawn.count("<dd class=\"mono\">—</dd>") == 2 and "<dd>—</dd>" in drawn
    assert "代理人" not in drawn and "<form" not in drawn  # nothing to reveal


def test_party_card_in_english():
    party = Party(pk=5, name="Zhang", role="applicant", kind="person", id_number="11010519491231002X", phone="")
    with translation.override("en"):
        drawn = card(party)
        assert translation.gettext("证件号码") in drawn and translation.gettext("查看完整信息") in drawn
        assert str(Party(role="applicant").get_role_display()) in drawn
    assert "证件号码" not in drawn
