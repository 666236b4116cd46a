import functools

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from jiefen.organisation.selectors import user_scope
from jiefen.web import display

register = template.Library()


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


@functools.cache
def _choice_labels(model, field_name):
    return dict(model._meta.get_field(field_name).flatchoices)


@register.filter
def choice_label(obj, field_name):
    """`obj.get_<field_name>_display()` for lists: Django's rebuilds the field's choices into a
    fresh dict on every call, translating each label to hash it; this looks the label up in a
    dict kept per model field and translates only the one shown."""
    value = getattr(obj, field_name)
    return _choice_labels(type(obj), field_name).get(value, value)


@functools.cache
def _case_detail_path_parts(script_prefix):
    marker = "2147483647"
    before, after = reverse("web:case_detail", args=[int(marker)]).split(marker)
    return before, after


@register.filter
def case_detail_path(case):
    """The case's page, as `{% url 'web:case_detail' case.pk %}` would give it: resolving the
    route for every row of a list costs more than the rest of the row."""
    before, after = _case_detail_path_parts(get_script_prefix())
    return f"{before}{case.pk}{after}"


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
