from django import template

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
