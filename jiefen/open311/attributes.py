"""The attributes every service (dispute type) asks for beyond the GeoReport core fields.

All are optional: a citizen can report a dispute with a description and a place alone, and the
centre's staff complete the rest at acceptance. What is given feeds the case (people involved,
amount, group dispute, the other party's name) and so the routing.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .errors import Open311Error


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str  # string, number, datetime, text, singlevaluelist, multivaluelist
    description: object
    order: int
    required: bool = False
    variable: bool = True
    datatype_description: object = ""
    values: tuple = ()  # (key, name) for the list types


YES_NO = (("yes", gettext_lazy("是")), ("no", gettext_lazy("否")))

ATTRIBUTES = (
    Attribute("people_involved", "number", gettext_lazy("涉及多少人？"), 1, datatype_description=gettext_lazy("整数，1 至 100000")),
    Attribute("amount_in_dispute", "number", gettext_lazy("争议金额约多少元？"), 2, datatype_description=gettext_lazy("以元为单位的数字")),
    Attribute("is_group", "singlevaluelist", gettext_lazy("是否多人共同反映的群体性纠纷？"), 3, values=YES_NO),
    Attribute("respondent_name", "string", gettext_lazy("对方当事人姓名或单位名称"), 4, datatype_description=gettext_lazy("不超过100个字")),
)


def attributes_clean(raw: dict) -> dict:
    """Values of the known attributes, checked; unknown codes are kept raw on the request only."""
    problems, clean = [], {}
    value = _single(raw.get("people_involved"))
    if value:
        try:
            number = int(value)
            if not 1 <= number <= 100000:
                raise ValueError
            clean["people_involved"] = number
        except ValueError:
            problems.append(_("attribute[people_involved] 应为 1 至 100000 的整数。"))
    value = _single(raw.get("amount_in_dispute"))
    if value:
        try:
            amount = Decimal(value)
            if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
                raise InvalidOperation
            clean["amount_in_dispute"] = amount.quantize(Decimal("0.01"))
        except (InvalidOperation, ValueError):
            problems.append(_("attribute[amount_in_dispute] 应为不小于 0 的金额。"))
    value = _single(raw.get("is_group"))
    if value:
        if value not in dict(YES_NO):
            problems.append(_("attribute[is_group] 只能是 yes 或 no。"))
        else:
            clean["is_group"] = value == "yes"
    value = _single(raw.get("respondent_name"))
    if value:
        if len(value) > 100:
            problems.append(_("attribute[respondent_name] 不能超过100个字。"))
        else:
            clean["respondent_name"] = value
    if problems:
        raise Open311Error(*problems)
    return clean


def _single(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[0] if value else ""
    return str(value or "").strip()
