import datetime
import functools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template import defaultfilters, defaulttags
from django.template.defaulttags import CsrfTokenNode
from django.template.loader import render_to_string
from django.templatetags import i18n, static
from django.urls import get_script_prefix
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import get_language, gettext

from jiefen.organisation.selectors import user_scope
from jiefen.web import display

register = template.Library()


class TranslateNode(i18n.TranslateNode):
    """{% translate %} as Django's, with the common case, a constant text (no filters,
    context or `as`), translated straight away: Django's makes a lazy string of it and casts
    it back, some eighty function calls for each of the hundred-odd labels of a case page.
    The text is a template literal, so, as there, its translation is safe; "%" takes
    Django's way (it doubles percent signs before translating)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        var = self.filter_expression.var
        plain = not (self.noop or self.asvar or self.message_context or self.filter_expression.filters)
        literal = getattr(var, "literal", None) if getattr(var, "lookups", True) is None else None
        # Kept as a plain str: gettext marks a safe text's translation safe with mark_safe,
        # which costs more than the lookup; render makes it a SafeString itself.
        self.text = str.__str__(literal) if plain and isinstance(literal, SafeData) and "%" not in literal else None
        # The translation in each language met, kept with the (cached) template: a lookup costs
        # twice the language's, Chinese ones most (the source language, which no catalogue holds).
        self.by_language = {}

    def render(self, context):
        if self.text is None:
            return super().render(context)
        language = get_language()
        translated = self.by_language.get(language)
        if translated is None:
            translated = self.by_language[language] = SafeString(gettext(self.text).replace("%%", "%"))
        return translated


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    """Takes over {% translate %} in templates that load this library after i18n."""
    node = i18n.do_translate(parser, token)
    return TranslateNode(node.filter_expression, node.noop, node.asvar, node.message_context)


class URLNode(defaulttags.URLNode):
    """{% url %} as Django's, with the common case, positional arguments and no `as`, through
    display.url_path: the route reversed once and its path filled in after, where reversing
    costs some ninety function calls a link (and a case page has dozens). Django passes the
    current namespace as `current_app`, which changes nothing here: every application
    namespace of the project has the one instance."""

    def render(self, context):
        if self.kwargs or self.asvar:
            return super().render(context)
        url = display.url_path(self.view_name.resolve(context), *[arg.resolve(context) for arg in self.args])
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    """Takes over {% url %} in templates that load this library."""
    node = defaulttags.url(parser, token)
    return URLNode(node.view_name, node.args, node.kwargs, node.asvar)


class StaticNode(static.StaticNode):
    """{% static %} as Django's, each path's URL kept once the storage has worked it out (from
    settings and, in production, the manifest, both read once per process): some seventy
    function calls a link otherwise, and every page has several."""

    @classmethod
    def handle_simple(cls, path):
        return _static_url(path)


@functools.lru_cache(maxsize=512)
def _static_url(path):
    return static.StaticNode.handle_simple(path)


@receiver(setting_changed)
def _forget_static_urls(*, setting, **kwargs):
    if setting in ("STATIC_URL", "STATIC_ROOT", "STORAGES"):
        _static_url.cache_clear()


@register.tag("static")
def do_static(parser, token):
    """Takes over {% static %} in templates that load this library after static."""
    return StaticNode.handle_token(parser, token)


def _hm(value):
    return f"{value.hour:02d}:{value.minute:02d}"


_DATETIME_FORMATS = {
    "Y-m-d": display.day_text,
    "Y-m-d H:i": lambda value: f"{display.day_text(value)} {_hm(value)}",
    "H:i": _hm,
    "c": datetime.datetime.isoformat,
}


@register.filter(expects_localtime=True, is_safe=False)
def date(value, arg=None):
    """Django's date filter, in templates that load this library; the formats the pages use
    most are written out directly ("c" is ISO 8601 as there; Django's formatter reads the
    format letter by letter, some sixty function calls a date)."""
    if type(value) is datetime.datetime and arg in _DATETIME_FORMATS:
        return _DATETIME_FORMATS[arg](value)
    if type(value) is datetime.date and arg == "Y-m-d":
        return display.day_text(value)
    return defaultfilters.date(value, arg)


@register.filter
def mask_id(value):
    return display.mask_id_number(value)


@register.filter
def mask_phone(value):
    return display.mask_phone(value)


@register.filter
def stage_label(value):
    return display.stage_label(value)


@register.simple_tag
def case_qr(case, scale=4):
    return display.case_qr_svg(case, scale=scale)


@register.simple_tag
def case_url(case):
    return display.case_absolute_url(case)


@register.filter
def choice_label(obj, field_name):
    return display.choice_label(obj, field_name)


@register.filter
def case_detail_path(case):
    """The case's page, as `{% url 'web:case_detail' case.pk %}` would give it: resolving the
    route for every row of a list costs more than the rest of the row."""
    return display.url_path("web:case_detail", case.pk)


@register.simple_tag(takes_context=True)
def action_form(context, form, template, **values):
    """A form of the case page. Until it is opened it has no fields (see web.forms.closed_form),
    and the same few lines for every form are written out in display.closed_form_html; an
    open one (refused, or asked for with ?open=) is drawn by `template` with `values`."""
    if getattr(form, "is_closed", False):
        return display.closed_form_html(form, CsrfTokenNode().render(context))
    with context.push(form=form, **values):
        return context.template.engine.get_template(template).render(context)


@register.simple_tag(takes_context=True)
def party_card(context, party, revealed=False):
    """A party's card on the case page (display.party_card_html), its numbers shown in full
    when `revealed`, else masked, with the form asking for them to a user who `may_reveal`."""
    return display.party_card_html(
        party,
        case_id=context["case"].pk,
        revealed=revealed,
        may_reveal=context.get("may_reveal"),
        csrf_input=CsrfTokenNode().render(context),
    )


@functools.lru_cache(maxsize=512)
def _main_nav_html(language, script_prefix, current, app, scope, user_is_staff, unread_notifications):
    return render_to_string(
        "web/_main_nav.html",
        {
            "current": current,
            "app": app,
            "scope": scope,
            "user_is_staff": user_is_staff,
            "unread_notifications": unread_notifications,
        },
    )


@register.simple_tag(takes_context=True)
def main_nav(context):
    """The main navigation of every page. It depends on nothing but the arguments of
    `_main_nav_html`, so a kept copy is never stale, and it costs more to render than the
    rest of the page shell."""
    user = context["user"]
    match = getattr(context.get("request"), "resolver_match", None)
    return _main_nav_html(
        get_language(),
        get_script_prefix(),
        match.url_name if match else None,
        match.app_name if match else None,
        user_scope(user),
        user.is_staff or user.is_superuser,
        context.get("unread_notifications") or 0,
    )


def _name_of(related):
    return related.name if related is not None else ""


@register.simple_tag
def case_rows(cases, empty_text="", show_unit=False):
    """The rows of a case list (number, badges, title, village, unit, time limit), each a link
    to the case page. Written out in Python: as a template, a page of 25 rows cost more than the
    rest of the list page together."""
    overdue_label, risk_label = gettext("已超期"), gettext("风险等级")
    due_label, no_due_label = gettext("期限"), gettext("无期限")
    rows = []
    for case in cases:
        if case.due_date:
            due = case.due_date.isoformat()
            limit = format_html('{} <time datetime="{}">{}</time>', due_label, due, due)
        else:
            limit = conditional_escape(no_due_label)
        rows.append(
            format_html(
                '  <li>\n    <a class="case-row" href="{}">\n'
                '      <span class="case-row-top">\n        <span class="case-number">{}</span>\n'
                '        <span class="badges">{}\n'
                '          <span class="badge risk-{}" title="{}">{}</span>\n'
                '          <span class="badge state state-{}">{}</span>\n        </span>\n      </span>\n'
                '      <span class="case-title">{}</span>\n'
                '      <span class="case-meta">\n        <span>{}</span>{}\n        <span>{}</span>\n      </span>\n'
                "    </a>\n  </li>",
                case_detail_path(case),
                case.number,
                format_html('<span class="badge badge-overdue">{}</span>', overdue_label) if case.is_overdue else "",
                case.risk_grade,
                risk_label,
                choice_label(case, "risk_grade"),
                case.state,
                choice_label(case, "state"),
                case.title,
                _name_of(case.village),
                format_html("\n        <span>{}</span>", _name_of(case.assigned_unit)) if show_unit else "",
                limit,
            )
        )
    if not rows:
        rows.append(format_html('  <li class="empty">{}</li>', empty_text))
    return mark_safe('<ul class="case-rows">\n' + "\n".join(rows) + "\n</ul>")
