import functools

from django import template
from django.urls import get_script_prefix, reverse

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
