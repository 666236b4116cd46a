"""Validators for Chinese identity numbers and phone numbers."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CODES = "10X98765432"
ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
MOBILE_PATTERN = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_PATTERN = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def gb11643_check_code(first17: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first17, ID_WEIGHTS))
    return ID_CHECK_CODES[total % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def validate_id_number(value: str) -> None:
    """GB 11643-1999 citizen identity number: 18 characters, valid birth date, valid check code."""
    number = normalise_id_number(value)
    if not ID_PATTERN.match(number):
        raise ValidationError(_("身份证号码应为18位，前17位为数字，末位为数字或X。"), code="id_format")
    try:
        birth = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth_date") from None
    if birth.year < 1900 or birth > date.today():
        raise ValidationError(_("身份证号码中的出生日期无效。"), code="id_birth_date")
    if gb11643_check_code(number[:17]) != number[17]:
        raise ValidationError(_("身份证号码校验位不正确，请核对后重新输入。"), code="id_checksum")


def normalise_phone(value: str) -> str:
    return re.sub(r"[\s()（）]", "", (value or "").strip()).removeprefix("+86")


def validate_phone(value: str) -> None:
    """A mainland mobile number (11 digits starting 13–19) or a landline with area code."""
    phone = normalise_phone(value)
    if not (MOBILE_PATTERN.match(phone) or LANDLINE_PATTERN.match(phone)):
        raise ValidationError(
            _("电话号码格式不正确：请填写11位手机号码，或带区号的固定电话（如 0832-1234567）。"),
            code="phone_format",
        )
