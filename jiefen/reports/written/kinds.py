"""The five written reports of the meeting rhythm (DESIGN §8): what period each covers, who
issues it, how it is numbered and titled."""

from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.organisation.models import UnitKind

from .. import periods
from ..models import ReportKind


@dataclass(frozen=True)
class KindSpec:
    kind: str
    period_kind: str  # a jiefen.reports.periods kind
    issuer_kind: str  # the UnitKind that issues it
    issuer_fallback: object  # the issuer's name after the subdistrict's when no such unit is on file
    code: str  # 机关代字 after the subdistrict's prefix: 古湖 + 综治会 + 〔2026〕12号
    period_example: str
    judgement_title: object  # the heading of the analyst's box
    judgement_always: bool  # print an empty box when there is no judgement

    @property
    def name(self) -> str:
        return str(ReportKind(self.kind).label)


SPECS = {
    ReportKind.WEEKLY: KindSpec(
        ReportKind.WEEKLY, periods.WEEK, UnitKind.GOVERNANCE_CENTRE, gettext_lazy("综治中心"), "综治会", "2026-W44",
        gettext_lazy("会商补充意见"), False,
    ),
    ReportKind.BIWEEKLY: KindSpec(
        ReportKind.BIWEEKLY, periods.BIWEEK, UnitKind.GOVERNANCE_CENTRE, gettext_lazy("综治中心"), "综治通", "2026-B22",
        gettext_lazy("补充意见"), False,
    ),
    ReportKind.MONTHLY: KindSpec(
        ReportKind.MONTHLY, periods.MONTH, UnitKind.LEADING_GROUP, gettext_lazy("矛盾纠纷多元化解领导小组"), "矛调研", "2026-10",
        gettext_lazy("研判意见和工作建议"), True,
    ),
    ReportKind.QUARTERLY: KindSpec(
        ReportKind.QUARTERLY, periods.QUARTER, UnitKind.GOVERNANCE_CENTRE, gettext_lazy("综治中心"), "政法联", "2026-Q3",
        gettext_lazy("提请联席会议研究的事项"), True,
    ),
    ReportKind.ANNUAL: KindSpec(
        ReportKind.ANNUAL, periods.YEAR, UnitKind.GOVERNANCE_CENTRE, gettext_lazy("综治中心"), "综治", "2026",
        gettext_lazy("存在的问题和下一步工作打算"), True,
    ),
}

KIND_NAMES_FOR_ERRORS = "weekly, biweekly, monthly, quarterly, annual"


class ReportInputError(ValueError):
    """A report kind or period the user typed is not one; the message is Chinese."""


def spec_of(kind: str) -> KindSpec:
    try:
        return SPECS[ReportKind(kind)]
    except ValueError:
        raise ReportInputError(
            _("未知的报告种类“%(kind)s”。可用：weekly（周会商材料）、biweekly（双周通报）、monthly（月度研判报告）、quarterly（政法工作联席会议报告）、annual（年度工作总结）。")
            % {"kind": kind}
        ) from None


def report_period(kind: str, code: str) -> periods.Period:
    """The period a report of `kind` covers, from its code; ReportInputError when the code is
    not a period or not one of this kind's (a monthly report is for a month, not a week)."""
    spec = spec_of(kind)
    try:
        period = periods.parse_period(code)
    except periods.PeriodError as exc:
        raise ReportInputError(str(exc)) from None
    if period.kind != spec.period_kind:
        raise ReportInputError(
            _("%(name)s的统计期应为%(what)s，例如 %(example)s；“%(code)s”不是。")
            % {"name": spec.name, "what": PERIOD_WHAT[spec.period_kind], "example": spec.period_example, "code": code}
        )
    return period


PERIOD_WHAT = {
    periods.WEEK: gettext_lazy("一个ISO周"),
    periods.BIWEEK: gettext_lazy("一个双周期"),
    periods.MONTH: gettext_lazy("一个月"),
    periods.QUARTER: gettext_lazy("一个季度"),
    periods.YEAR: gettext_lazy("一个年度"),
}


def short_period(period: periods.Period) -> str:
    """The period as a title names it: 2026年第44周, 2026年第22期, 2026年10月, 2026年第三季度, 2026年度."""
    if period.kind == periods.WEEK:
        year, week, _weekday = period.start.isocalendar()
        return _("%(year)d年第%(week)d周") % {"year": year, "week": week}
    if period.kind == periods.BIWEEK:
        return _("%(year)s年第%(n)d期") % {"year": period.code[:4], "n": int(period.code[6:])}
    if period.kind == periods.YEAR:
        return _("%(year)d年度") % {"year": period.start.year}
    return period.label


def report_title(kind: str, period: periods.Period) -> str:
    label = short_period(period)
    return {
        ReportKind.WEEKLY: _("%(period)s矛盾纠纷排查化解会商材料"),
        ReportKind.BIWEEKLY: _("关于%(period)s矛盾纠纷多元化解工作情况的通报"),
        ReportKind.MONTHLY: _("%(period)s矛盾纠纷形势研判报告"),
        ReportKind.QUARTERLY: _("%(period)s政法工作联席会议报告"),
        ReportKind.ANNUAL: _("%(period)s矛盾纠纷多元化解工作总结"),
    }[ReportKind(kind)] % {"period": label}


def number_code(kind: str) -> str:
    """The 机关代字 of a kind; JIEFEN_REPORT_NUMBER_CODES may rename them."""
    return getattr(settings, "JIEFEN_REPORT_NUMBER_CODES", {}).get(kind) or SPECS[ReportKind(kind)].code


def number_text(prefix: str, kind: str, year: int, value: int) -> str:
    """古湖综治通〔2026〕22号 — GB/T 9704-2012 7.2.4: 机关代字, the year in 六角括号, the number
    without 第 and without leading zeros, then 号."""
    return f"{prefix}{number_code(kind)}〔{year}〕{value}号"
