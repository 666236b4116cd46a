import functools

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language

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
