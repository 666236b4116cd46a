"""The five written reports as structures (content.py), one builder per kind.

Every figure printed comes from jiefen.reports.indicators — the headline summary, the
breakdowns by village, unit, type, channel and tier, the monthly trend and the hotspots — and
every chart from jiefen.reports.charts drawn from those same figures. The lists beside them
(data.py) follow the indicators' definitions. The wording is that of a report a 综治中心 sends
to the 党工委: the period, the figures with the volumes under each rate, the comparison with the
period before, then the tables.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Callable

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Count
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.assessment.models import IncidentKind
from jiefen.cases.models import Channel
from jiefen.documents.content import cn_date
from jiefen.organisation.models import Unit, UnitKind

from .. import charts
from .. import indicators as ind
from ..models import ReportKind
from ..periods import Period
from . import data
from .content import Box, Figure, Heading, Paragraph, ReportDocument, SubHeading, Table, V
from .kinds import report_title, short_period, spec_of

DASH = ind.DASH


# ---------------------------------------------------------------- the inputs of a report


@dataclass
class ReportInputs:
    subdistrict: object
    kind: str
    period: Period
    cases: object  # the subdistrict's cases (QuerySet)
    stats: ind.Statistics
    previous: ind.Summary  # the same figures for the period before
    now: datetime

    @property
    def summary(self) -> ind.Summary:
        return self.stats.summary


def gather(subdistrict, kind: str, period: Period, *, now: datetime | None = None) -> ReportInputs:
    """Ask the indicators once for everything a report of `kind` prints.

    The summary of the period before (for the comparisons) is read on a second connection
    while this one reads the period's statistics (see _alongside): the two are independent and
    mostly the database's work, so on a machine with a core to spare they take the time of
    the longer one."""
    cases = ind.subdistrict_cases(subdistrict)
    stats, previous = _alongside(
        lambda: ind.statistics(cases, period, months=12, all_villages=True, hotspot_limit=5),
        # Its own QuerySet: the two threads share no object that a query could change.
        lambda: ind.summary(ind.subdistrict_cases(subdistrict), period.previous()),
    )
    return ReportInputs(subdistrict, kind, period, cases, stats, previous, now or timezone.now())


def _separate_connection_sees_the_data() -> bool:
    """Whether another connection would read what this one reads.

    Not inside a transaction: the rows it has written are not committed, so another connection
    would count without them — a caller's atomic block, and every test that runs in a rolled-
    back transaction (PostgreSQL and SQLite alike). Not on an in-memory SQLite database (the
    test database): another connection is another database, or, with a shared cache, one
    whose tables lock against this connection's."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.in_atomic_block:
        return False
    return not (connection.vendor == "sqlite" and connection.is_in_memory_db())


def _alongside(first: Callable[[], Any], second: Callable[[], Any]) -> tuple[Any, Any]:
    """(first(), second()), `second` run meanwhile on a thread of its own with its own database
    connection, closed when it is done, when another connection sees the same data; one after
    the other otherwise. An exception of either is raised here, after both have finished.

    The thread works in the caller's language and time zone (both are per thread in Django)."""
    if not _separate_connection_sees_the_data():
        return first(), second()
    language, zone = translation.get_language(), timezone.get_current_timezone()

    def run():
        try:
            with translation.override(language), timezone.override(zone):
                return second()
        finally:
            connections.close_all()  # this thread's connections only

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-alongside") as pool:
        future = pool.submit(run)
        # Leaving the block waits for the thread, also when `first` raises.
        result = first()
    return result, future.result()


# ---------------------------------------------------------------- wording helpers


def n(value) -> V:
    return V(DASH if value is None else str(value), value)


def rate_cell(rate: ind.Rate, *, stacked: bool = False) -> V:
    """The rate with the volumes it stands on: 85.7%（6/7）, or on two lines in a narrow
    column; — when there is nothing to divide."""
    if rate.value is None:
        return V(DASH, None)
    separator = "\n" if stacked else ""
    return V(f"{rate.percent}{separator}（{rate.fraction}）", round(rate.value, 4), percent=True)


def rate_words(rate: ind.Rate, empty: str = "") -> str:
    """85.7%（6/7）, or 不计算（本期无调结案件） when there is nothing to divide."""
    if rate.value is None:
        return _("不计算（%(why)s）") % {"why": empty} if empty else _("不计算")
    return _("%(percent)s（%(num)d/%(den)d）") % {"percent": rate.percent, "num": rate.numerator, "den": rate.denominator}


def amount_cell(value) -> V:
    return V(ind.format_amount(value), float(value) if value is not None else None)


def change_words(now: int, before: int, previous: str, unit: str = "件") -> str:
    if now == before:
        return _("与%(previous)s持平") % {"previous": previous}
    if now > before:
        return _("较%(previous)s增加%(n)d%(unit)s") % {"previous": previous, "n": now - before, "unit": unit}
    return _("较%(previous)s减少%(n)d%(unit)s") % {"previous": previous, "n": before - now, "unit": unit}


PREVIOUS = {
    ReportKind.WEEKLY: gettext_lazy("上周"),
    ReportKind.BIWEEKLY: gettext_lazy("上期"),
    ReportKind.MONTHLY: gettext_lazy("上月"),
    ReportKind.QUARTERLY: gettext_lazy("上季度"),
    ReportKind.ANNUAL: gettext_lazy("上年"),
}


def short_date(day: date | None, year: int) -> str:
    """10月14日 inside the report's year, 2025年12月30日 outside it (dates in tables)."""
    if day is None:
        return DASH
    if day.year == year:
        return _("%(m)d月%(d)d日") % {"m": day.month, "d": day.day}
    return cn_date(day)


def count_change(now, before) -> V:
    if now is None or before is None:
        return V(DASH)
    if isinstance(now, Decimal) or isinstance(before, Decimal):
        diff = Decimal(now) - Decimal(before)
        return V(("+" if diff > 0 else "") + ind.format_amount(diff) if diff else _("持平"), float(diff))
    diff = now - before
    return V(f"{diff:+d}" if diff else _("持平"), diff)


def rate_change(now: ind.Rate, before: ind.Rate) -> V:
    if now.value is None or before.value is None:
        return V(DASH)
    points = (now.value - before.value) * 100
    if abs(points) < 0.05:
        return V(_("持平"), 0.0)
    return V(_("%(sign)s%(points).1f个百分点") % {"sign": "+" if points > 0 else "-", "points": abs(points)}, round(points, 1))


def risk_label(case) -> str:
    return case.get_risk_grade_display()


def period_line(period: Period, today: date) -> str:
    """（统计时段：…）, saying so when the period has not ended yet (a report run on demand
    mid-period counts what is on file so far)."""
    if period.end >= today:
        return _("（统计时段：%(dates)s；统计期尚未结束，数据截至%(today)s）") % {"dates": period_dates(period), "today": cn_date(today)}
    return _("（统计时段：%(dates)s）") % {"dates": period_dates(period)}


def period_dates(period: Period) -> str:
    return _("%(start)s至%(end)s") % {"start": cn_date(period.start), "end": cn_date(period.end)}


# ---------------------------------------------------------------- common sections


def overall_paragraphs(inputs: ReportInputs, *, lead: str) -> list[Paragraph]:
    s, p = inputs.summary, inputs.previous
    first = _(
        "%(lead)s，全街道共新登记矛盾纠纷%(new)d件，%(change)s，其中网格排查发现%(screening)d件。"
        "调结纠纷%(concluded)d件，其中达成调解协议%(agreements)d件、调解终止%(terminations)d件，调解成功率%(success)s；"
        "办结归档%(closed)d件，按期办结率%(on_time)s，矛盾不上交率%(inside)s。"
        "约定履行期限已届满的协议%(due)d件，已全部履行%(performed)d件，协议履行率%(performance)s。期末在办纠纷%(open)d件。"
    ) % {
        "lead": lead,
        "new": s.new_cases,
        "change": change_words(s.new_cases, p.new_cases, str(PREVIOUS[ReportKind(inputs.kind)])),
        "screening": s.screening_found,
        "concluded": s.concluded,
        "agreements": s.agreements,
        "terminations": s.terminations,
        "success": rate_words(s.success_rate, _("本期无调结案件")),
        "closed": s.closed,
        "on_time": rate_words(s.on_time_rate, _("本期无办结案件")),
        "inside": rate_words(s.not_handed_up_rate, _("本期无办结案件")),
        "due": s.performance_due,
        "performed": s.performed,
        "performance": rate_words(s.performance_rate, _("无到期协议")),
        "open": s.open_at_end,
    }
    second = _(
        "防范民转刑%(criminal)d件，化解群体性纠纷%(group)d件，经人民法院司法确认%(confirmed)d件，"
        "调解协议涉及金额%(amount)s元；发现不到位情形%(incidents)d起。"
    ) % {
        "criminal": s.criminal_prevented,
        "group": s.group_prevented,
        "confirmed": s.judicial_confirmations,
        "amount": ind.format_amount(s.agreement_amount),
        "incidents": s.incidents,
    }
    return [Paragraph(first), Paragraph(second)]


def key_figures_table(inputs: ReportInputs) -> Table:
    """主要指标: this period, the period before and the change, volumes under every rate."""
    s, p = inputs.summary, inputs.previous
    previous_label = str(PREVIOUS[ReportKind(inputs.kind)])
    counts = [
        ("new_cases", s.new_cases, p.new_cases),
        ("screening_found", s.screening_found, p.screening_found),
        ("agreements", s.agreements, p.agreements),
        ("terminations", s.terminations, p.terminations),
    ]
    rows = [[str(ind.FIGURE_LABELS[key]), n(now), n(before), count_change(now, before)] for key, now, before in counts]
    for key in ("success_rate", "on_time_rate", "not_handed_up_rate", "performance_rate"):
        now, before = getattr(s, key), getattr(p, key)
        rows.append([str(ind.FIGURE_LABELS[key]), rate_cell(now), rate_cell(before), rate_change(now, before)])
    more = [
        ("closed", s.closed, p.closed),
        ("criminal_prevented", s.criminal_prevented, p.criminal_prevented),
        ("group_prevented", s.group_prevented, p.group_prevented),
        ("judicial_confirmations", s.judicial_confirmations, p.judicial_confirmations),
        ("incidents", s.incidents, p.incidents),
        ("open_at_end", s.open_at_end, p.open_at_end),
    ]
    rows += [[str(ind.FIGURE_LABELS[key]), n(now), n(before), count_change(now, before)] for key, now, before in more]
    rows.append(
        [
            str(ind.FIGURE_LABELS["agreement_amount"]),
            amount_cell(s.agreement_amount),
            amount_cell(p.agreement_amount),
            count_change(s.agreement_amount, p.agreement_amount),
        ]
    )
    rows.append([str(ind.FIGURE_LABELS["screened_households"]), n(s.screened_households), n(p.screened_households), count_change(s.screened_households, p.screened_households)])
    rows.append([str(ind.FIGURE_LABELS["cards"]), n(s.cards), n(p.cards), count_change(s.cards, p.cards)])
    notes = [str(ind.COUNTER_NOTES[name]) for name in ("screened_households", "cards") if getattr(s, name) is None]
    note = _("注：调解成功率、按期办结率、矛盾不上交率、协议履行率后括号内为“分子/分母”件数；“—”表示无可计算的案件或暂无数据。")
    if notes:
        note += _("%(notes)s。") % {"notes": "；".join(notes)}
    return Table(
        "key_figures",
        _("主要指标"),
        [_("指标"), _("本期"), previous_label, _("增减")],
        rows,
        widths=(30, 24, 24, 22),
        numeric=(1, 2, 3),
        note=note,
    )


def department_rows(inputs: ReportInputs) -> list[ind.Figures]:
    """The indicators' rows by unit for the subdistrict's own departments (街道调委会, 小马调解室,
    综治中心 …); the villages' mediation bodies are in the village table already."""
    own = set(Unit.objects.filter(area=inputs.subdistrict).values_list("id", flat=True))
    return [row for row in inputs.stats.by_unit if row.key in own]


def ranking(rows: list[ind.Figures]) -> list[tuple[str, ind.Figures]]:
    """Rows with a success rate first, best first (more mediations concluded breaks a tie);
    rows without one follow, unranked, in the organisation's order."""
    rated = [row for row in rows if row.success_rate.value is not None]
    rated.sort(key=lambda row: (-row.success_rate.value, -row.concluded, -row.new_cases))
    ranked, place, last = [], 0, None
    for index, row in enumerate(rated, 1):
        key = (row.success_rate.value, row.concluded)
        if key != last:
            place, last = index, key
        ranked.append((str(place), row))
    return ranked + [(DASH, row) for row in rows if row.success_rate.value is None]


def ranking_table(key: str, caption: str, name_header: str, rows: list[ind.Figures], total: ind.Summary | None, note: str = "") -> Table:
    body = [
        [
            place,
            row.label,
            n(row.new_cases),
            n(row.concluded),
            rate_cell(row.success_rate, stacked=True),
            n(row.closed),
            rate_cell(row.on_time_rate, stacked=True),
            rate_cell(row.performance_rate, stacked=True),
            n(row.incidents),
        ]
        for place, row in ranking(rows)
    ]
    total_row = None
    if total is not None:
        total_row = [
            "",
            _("全街道"),
            n(total.new_cases),
            n(total.concluded),
            rate_cell(total.success_rate, stacked=True),
            n(total.closed),
            rate_cell(total.on_time_rate, stacked=True),
            rate_cell(total.performance_rate, stacked=True),
            n(total.incidents),
        ]
    return Table(
        key,
        caption,
        [_("排名"), name_header, _("新登记"), _("调结"), _("调解成功率"), _("办结"), _("按期办结率"), _("协议履行率"), _("不到位")],
        body,
        widths=(7, 16, 9, 7, 15, 7, 15, 15, 9),
        numeric=(0, 2, 3, 4, 5, 6, 7, 8),
        total=total_row,
        note=note or _("注：按调解成功率排名，成功率相同的按调结件数排序；本期无调结案件的不参加排名，以“—”表示。"),
    )


def breakdown_table(key: str, caption: str, name_header: str, rows: list[ind.Figures], total: ind.Summary, *, all_rows=False) -> Table:
    total_new = total.new_cases or 0
    shown = [row for row in rows if all_rows or not row.is_empty]
    body = [
        [
            row.label,
            n(row.new_cases),
            V(f"{row.new_cases / total_new:.1%}" if total_new else DASH, round(row.new_cases / total_new, 4) if total_new else None, percent=True),
            n(row.agreements),
            n(row.terminations),
            rate_cell(row.success_rate),
            n(row.open_at_end),
        ]
        for row in shown
    ]
    total_row = [
        _("合计"),
        n(total.new_cases),
        V("100.0%" if total_new else DASH, 1.0 if total_new else None, percent=True),
        n(total.agreements),
        n(total.terminations),
        rate_cell(total.success_rate),
        n(total.open_at_end),
    ]
    return Table(
        key,
        caption,
        [name_header, _("新登记"), _("占比"), _("达成协议"), _("调解终止"), _("调解成功率"), _("期末在办")],
        body or [[_("（本期无数据）"), "", "", "", "", "", ""]],
        widths=(26, 11, 11, 12, 12, 17, 11),
        numeric=(1, 2, 3, 4, 5, 6),
        total=total_row,
    )


def trend_table(points: list[ind.TrendPoint]) -> Table:
    return Table(
        "trend",
        _("月度走势"),
        [_("月份"), _("新登记"), _("达成协议"), _("调解终止"), _("调解成功率"), _("办结")],
        [
            [
                _("%(y)d年%(m)d月") % {"y": point.period.start.year, "m": point.period.start.month},
                n(point.new_cases),
                n(point.agreements),
                n(point.terminations),
                rate_cell(point.success_rate),
                n(point.closed),
            ]
            for point in points
        ],
        widths=(20, 14, 14, 14, 24, 14),
        numeric=(1, 2, 3, 4, 5),
    )


def case_table(key: str, caption: str, listed: data.CaseList, *, with_due=False) -> Table:
    rows = []
    for index, case in enumerate(listed.cases, 1):
        last = cn_date(case.due_date) if with_due and case.due_date else case.get_state_display()
        rows.append([str(index), case.number, case.title, case.village.name, case.dispute_type.name, risk_label(case), last])
    note = ""
    if listed.more > 0:
        note = _("注：共%(count)d件，此处列出前%(shown)d件，完整清单见系统。") % {"count": listed.count, "shown": len(listed.cases)}
    return Table(
        key,
        caption,
        [_("序号"), _("案件编号"), _("纠纷简题"), _("村(社区)"), _("类型"), _("风险"), _("办理时限") if with_due else _("状态")],
        rows or [["", _("（无）"), "", "", "", "", ""]],
        widths=(7, 25, 24, 12, 12, 7, 13),
        numeric=(0, 5),
        note=note,
    )


def incident_table(rows, period: Period) -> Table:
    body = [
        [str(i), short_date(incident.detected_on, period.end.year), incident.unit.name, incident.get_kind_display(), incident.case.number if incident.case else DASH, incident.get_status_display()]
        for i, incident in enumerate(rows, 1)
    ]
    return Table(
        "incidents",
        _("不到位情形"),
        [_("序号"), _("发现日期"), _("责任单位"), _("情形"), _("案件编号"), _("审核状态")],
        body or [["", _("（本期无）"), "", "", "", ""]],
        widths=(7, 14, 25, 20, 22, 12),
        numeric=(0, 1, 5),
    )


def chart(key: str, figure, title: str, width_mm: float = 150) -> Figure:
    return Figure(key, title, charts.to_png(figure), width_mm)


def type_chart(rows: list[ind.Figures]) -> Figure:
    """The type distribution, smaller when only a few types had cases (one fat bar is no picture)."""
    shown = sum(1 for row in rows if row.new_cases)
    return chart("types", charts.type_distribution(rows), _("纠纷类型分布"), 100 if shown <= 3 else 125)


def judgement_box(kind: str, judgement: str) -> Box | None:
    spec = spec_of(kind)
    if not judgement.strip() and not spec.judgement_always:
        return None
    return Box(str(spec.judgement_title), judgement, hint=_("（由研判人员填写）"))


# ---------------------------------------------------------------- organisation names


def unit_name(subdistrict, kind: str, fallback) -> str:
    unit = Unit.objects.filter(kind=kind, area=subdistrict, is_active=True).order_by("id").first()
    return unit.name if unit else f"{subdistrict.name}{fallback}"


def unit_names(subdistrict, kinds) -> list[str]:
    return list(Unit.objects.filter(kind__in=kinds, area=subdistrict, is_active=True).order_by("id").values_list("name", flat=True))


def distribution(subdistrict, kind: str) -> str:
    if kind == ReportKind.QUARTERLY:
        names = unit_names(subdistrict, [UnitKind.POLICE_STATION, UnitKind.JUSTICE_OFFICE, UnitKind.PEOPLES_TRIBUNAL])
        return "，".join(names) if names else _("派出所，司法所，人民法庭")
    return {
        ReportKind.WEEKLY: _("参加会商的各单位"),
        ReportKind.BIWEEKLY: _("各村(社区)，街道各相关部门"),
        ReportKind.MONTHLY: _("街道矛盾纠纷多元化解领导小组成员"),
        ReportKind.ANNUAL: _("街道矛盾纠纷多元化解领导小组成员单位，各村(社区)"),
    }[ReportKind(kind)]


# ---------------------------------------------------------------- the kinds


def _weekly(inputs: ReportInputs, judgement: str) -> list:
    s, period = inputs.summary, inputs.period
    as_of = cn_date(timezone.localtime(inputs.now).date())
    blocks = [Paragraph(_("现将%(period)s矛盾纠纷排查化解情况和需会商研究的事项报告如下。") % {"period": short_period(period)})]
    blocks.append(Heading(_("一、本周基本情况")))
    blocks += overall_paragraphs(inputs, lead=_("本周（%(dates)s）") % {"dates": period_dates(period)})
    blocks.append(key_figures_table(inputs))
    blocks.append(chart("rates", charts.rates(s), _("主要指标")))
    blocks.append(type_chart(inputs.stats.by_type))

    listed = data.new_cases(inputs.cases, period)
    blocks.append(Heading(_("二、本周新登记纠纷")))
    blocks.append(Paragraph(_("本周新登记矛盾纠纷%(n)d件，明细如下。") % {"n": s.new_cases} if s.new_cases else _("本周未新登记矛盾纠纷。")))
    if listed.count:
        blocks.append(case_table("new_cases", _("本周新登记纠纷"), listed))

    blocks.append(Heading(_("三、重点关注纠纷")))
    blocks.append(Paragraph(_("以下在办纠纷的风险等级和超期情况截至%(date)s（材料生成时）。") % {"date": as_of}))
    risky = data.open_risk_cases(inputs.cases)
    blocks.append(SubHeading(_("（一）在办红色、橙色风险纠纷%(n)d件") % {"n": risky.count}))
    if risky.count:
        blocks.append(case_table("risk_cases", _("在办红色、橙色风险纠纷"), risky))
    overdue = data.overdue_cases(inputs.cases)
    blocks.append(SubHeading(_("（二）超期未办结纠纷%(n)d件") % {"n": overdue.count}))
    if overdue.count:
        blocks.append(case_table("overdue_cases", _("超期未办结纠纷"), overdue, with_due=True))
    moved = data.escalations(inputs.cases, period)
    blocks.append(SubHeading(_("（三）本周上报上一级和上交的纠纷%(n)d件") % {"n": len(moved)}))
    if moved:
        blocks.append(
            Table(
                "escalations",
                _("本周上报上一级和上交的纠纷"),
                [_("序号"), _("案件编号"), _("纠纷简题"), _("村(社区)"), _("去向"), _("日期"), _("理由")],
                [
                    [str(i), e.case.number, e.case.title, e.case.village.name, _("上报上一级") if e.action == "escalate" else _("上交上级"), short_date(e.on, period.end.year), e.reason]
                    for i, e in enumerate(moved, 1)
                ],
                widths=(7, 25, 18, 11, 12, 11, 16),
                numeric=(0, 5),
            )
        )

    blocks.append(Heading(_("四、会商情况和督办事项")))
    packs = data.consultation_meetings(inputs.subdistrict, period)
    if not packs:
        blocks.append(Paragraph(_("本周会商会议的情况尚未录入系统。")))
    for pack in packs:
        blocks += meeting_blocks(pack)
    box = judgement_box(inputs.kind, judgement)
    if box:
        blocks.append(Heading(_("五、%(title)s") % {"title": box.title}))
        blocks.append(box)
    return blocks


def meeting_blocks(pack: data.MeetingPack) -> list:
    meeting = pack.meeting
    present = [a.person.name for a in pack.attendance if a.status == "present"]
    blocks = []
    if meeting.is_held:
        held = timezone.localtime(meeting.held_at)
        text = _("%(title)s于%(date)s召开") % {"title": meeting.title, "date": cn_date(held.date())}
        if meeting.location:
            text += _("（地点：%(place)s）") % {"place": meeting.location}
        if meeting.chair:
            text += _("，%(chair)s主持") % {"chair": meeting.chair.name}
        if present:
            text += _("，%(names)s等%(n)d人参加") % {"names": "、".join(present[:6]), "n": len(present)}
        blocks.append(Paragraph(text + _("。")))
        for line in (meeting.notes or "").splitlines():
            if line.strip():
                blocks.append(Paragraph(line.strip()))
        sections = [(section["title"], section["count"]) for section in pack.agenda.get("sections", [])]
        if sections:
            blocks.append(
                Paragraph(
                    _("会议议程：") + "；".join(_("%(title)s%(n)d件") % {"title": title, "n": count} for title, count in sections) + _("。")
                )
            )
    else:
        blocks.append(
            Paragraph(_("%(title)s计划于%(date)s召开，会议纪要尚未录入。") % {"title": meeting.title, "date": cn_date(meeting.scheduled_on)})
        )
    if pack.decisions:
        blocks.append(Paragraph(_("会议决定交办督办事项%(n)d项：") % {"n": len(pack.decisions)}))
        blocks.append(task_table("decisions", _("本周会商交办的督办事项"), pack.decisions))
    elif meeting.is_held:
        blocks.append(Paragraph(_("会议未交办新的督办事项。")))
    if pack.carried:
        blocks.append(Paragraph(_("此前交办、尚在办理中的督办事项%(n)d项：") % {"n": len(pack.carried)}))
        blocks.append(task_table("open_tasks", _("在办督办事项"), pack.carried))
    return blocks


def task_table(key, caption, tasks) -> Table:
    today = timezone.localdate()
    rows = []
    for i, task in enumerate(tasks, 1):
        state = task.get_state_display()
        if task.is_open and task.deadline < today:
            state = _("已超期")
        rows.append([str(i), task.number, task.title, task.owner_unit.name, task.owner.get_full_name() or task.owner.username, short_date(task.deadline, today.year), state])
    return Table(
        key,
        caption,
        [_("序号"), _("督办编号"), _("督办事项"), _("责任单位"), _("责任人"), _("办结期限"), _("状态")],
        rows,
        widths=(7, 20, 23, 16, 10, 13, 11),
        numeric=(0, 5, 6),
    )


def _biweekly(inputs: ReportInputs, judgement: str) -> list:
    s, stats, period = inputs.summary, inputs.stats, inputs.period
    blocks = [Paragraph(_("现将%(period)s全街道矛盾纠纷多元化解工作情况通报如下。") % {"period": short_period(period)})]
    blocks.append(Heading(_("一、总体情况")))
    blocks += overall_paragraphs(inputs, lead=period_dates(period))
    blocks.append(key_figures_table(inputs))
    blocks.append(chart("rates", charts.rates(s), _("主要指标")))

    blocks.append(Heading(_("二、各村(社区)工作情况")))
    blocks += village_comment(stats.by_village)
    blocks.append(ranking_table("villages", _("各村(社区)矛盾纠纷化解情况排名"), _("村(社区)"), stats.by_village, s))
    blocks.append(chart("villages", charts.village_volumes(stats.by_village), _("各村(社区)案件量与调解成功率")))

    blocks.append(Heading(_("三、街道各部门工作情况")))
    departments = department_rows(inputs)
    if departments:
        blocks.append(ranking_table("units", _("街道各承办部门矛盾纠纷化解情况排名"), _("承办部门"), departments, None))
    else:
        blocks.append(Paragraph(_("本期街道各部门无承办案件。")))

    blocks += incidents_section(inputs, heading=_("四、不到位情形和三色牌"))
    blocks.append(Heading(_("五、工作要求")))
    blocks += requirements(inputs)
    box = judgement_box(inputs.kind, judgement)
    if box:
        blocks.append(Heading(_("六、%(title)s") % {"title": box.title}))
        blocks.append(box)
    return blocks


def village_comment(rows: list[ind.Figures]) -> list[Paragraph]:
    ranked = [row for place, row in ranking(rows) if place != DASH]
    idle = [row.label for row in rows if not row.new_cases and not row.concluded]
    parts = []
    if ranked:
        best = [row for row in ranked if row.success_rate.value == ranked[0].success_rate.value]
        parts.append(
            _("本期调解成功率最高的是%(names)s（%(rate)s）")
            % {"names": "、".join(row.label for row in best[:5]), "rate": ranked[0].success_rate.percent}
        )
        worst = [row for row in ranked if row.success_rate.value == ranked[-1].success_rate.value]
        if ranked[-1].success_rate.value != ranked[0].success_rate.value:
            parts.append(
                _("最低的是%(names)s（%(rate)s）")
                % {"names": "、".join(row.label for row in worst[:5]), "rate": ranked[-1].success_rate.percent}
            )
    most = max((row.new_cases for row in rows), default=0)
    if most:
        busiest = [row.label for row in rows if row.new_cases == most]
        if len(busiest) <= 3:
            text = _("新登记纠纷最多的是%(names)s（各%(n)d件）") if len(busiest) > 1 else _("新登记纠纷最多的是%(names)s（%(n)d件）")
            parts.append(text % {"names": "、".join(busiest), "n": most})
    if idle:
        names = "、".join(idle[:8]) + (_("等%(n)d个村(社区)") % {"n": len(idle)} if len(idle) > 8 else "")
        parts.append(_("%(names)s本期无新登记和调结纠纷") % {"names": names})
    if not parts:
        return [Paragraph(_("本期各村(社区)无新登记和调结纠纷。"))]
    return [Paragraph("；".join(parts) + _("。"))]


def incidents_section(inputs: ReportInputs, *, heading: str, each: bool = True) -> list:
    """The 不到位 incidents of the period: listed one by one (a bulletin), or counted by kind
    (the annual summary, whose units' tally follows); those without a case apart."""
    s, period = inputs.summary, inputs.period
    incidents = data.incidents(inputs.cases, period)
    others = list(data.other_incidents(inputs.subdistrict, period)[: data.LIST_LIMIT + 1])
    blocks = [Heading(heading)]
    if s.incidents:
        units = list(dict.fromkeys(incidents.order_by("unit__name").values_list("unit__name", flat=True)))
        shown_units = "、".join(units[:8]) + (_("等%(n)d个单位") % {"n": len(units)} if len(units) > 8 else "")
        blocks.append(
            Paragraph(_("本期在案件办理中发现不到位情形%(n)d起，涉及%(units)s。") % {"n": s.incidents, "units": shown_units})
        )
        if each:
            rows = list(incidents[: data.LIST_LIMIT])
            table = incident_table(rows, period)
            if s.incidents > len(rows):
                table.note = _("注：共%(count)d起，此处列出前%(shown)d起，完整清单见系统。") % {"count": s.incidents, "shown": len(rows)}
            blocks.append(table)
        else:
            kinds = dict(IncidentKind.choices)
            counts = incidents.order_by().values_list("kind").annotate(total=Count("id"))
            rows = [[str(kinds.get(kind, kind)), n(total)] for kind, total in sorted(counts, key=lambda item: -item[1])]
            blocks.append(
                Table(
                    "incidents_by_kind",
                    _("不到位情形分类"),
                    [_("情形"), _("起数")],
                    rows,
                    widths=(60, 40),
                    numeric=(1,),
                    total=[_("合计"), n(s.incidents)],
                )
            )
    else:
        blocks.append(Paragraph(_("本期案件办理中未发现不到位情形。")))
    if others:
        count = data.other_incidents(inputs.subdistrict, period).count()
        blocks.append(Paragraph(_("另有督办任务未按期办结等不到位情形%(n)d起。") % {"n": count}))
        if each:
            table = incident_table(others[: data.LIST_LIMIT], period)
            table.key, table.caption = "other_incidents", _("其他不到位情形")
            blocks.append(table)
    if s.cards is None:
        blocks.append(Paragraph(_("三色牌：%(note)s，待综合考核模块启用后在通报中列示。") % {"note": ind.COUNTER_NOTES["cards"]}))
    else:
        blocks.append(Paragraph(_("本期发放三色牌%(n)d张。") % {"n": s.cards}))
        if each:
            from jiefen.assessment.reporting import standing_card_rows

            card_rows = standing_card_rows(inputs.subdistrict, period.end.year, as_of=period.bounds()[1])
            if card_rows:
                blocks.append(
                    Table(
                        "cards",
                        _("%(year)d年度现有三色牌（截至%(date)s）") % {"year": period.end.year, "date": cn_date(period.end)},
                        [_("单位/联系领导"), _("牌色"), _("确认不到位次数")],
                        card_rows,
                        widths=(56, 22, 22),
                        numeric=(1, 2),
                    )
                )
            else:
                blocks.append(Paragraph(_("截至本期末，没有单位和联系领导被亮牌。")))
    year = period.end.year
    tally = data.incidents_in_year_by_unit(inputs.subdistrict, year, period.end)
    confirmed = [row for row in tally if row["confirmed"]]
    pending_only = [row for row in tally if not row["confirmed"]]
    if confirmed:
        blocks.append(
            Table(
                "incidents_year",
                _("%(year)d年度经确认的不到位情形累计（截至%(date)s）") % {"year": year, "date": cn_date(period.end)},
                [_("责任单位"), _("已确认"), _("待审核")],
                [[row["unit__name"], n(row["confirmed"]), n(row["pending"])] for row in sorted(confirmed, key=lambda r: (-r["confirmed"], r["unit__name"]))],
                widths=(56, 22, 22),
                numeric=(1, 2),
                note=_("注：按综合考核办法，同一单位年度内经确认的不到位情形1起亮黄牌、2起亮红牌、3起亮黑牌。"),
            )
        )
    if pending_only:
        blocks.append(
            Paragraph(
                _("另有%(n)d个单位的不到位情形尚待领导小组审核确认。") % {"n": len(pending_only)}
            )
        )
    return blocks


def requirements(inputs: ReportInputs) -> list[Paragraph]:
    s = inputs.summary
    lines = []
    if s.incidents:
        lines.append(_("对本期出现不到位情形的单位，请于3个工作日内向综治中心书面说明原因，明确整改措施和完成时限。"))
    if s.open_at_end:
        lines.append(
            _("各承办单位要对在办的%(n)d件纠纷逐案落实责任人和办理时限，红色、橙色风险纠纷实行专人跟踪、一案一策，防止矛盾激化和上交。") % {"n": s.open_at_end}
        )
    if s.performance_rate.value is not None and s.performance_rate.value < 1:
        lines.append(_("对履行期限已届满但尚未全部履行的调解协议，承办调解员要及时督促履行，并做好回访。"))
    lines.append(_("各村(社区)要坚持网格排查常态化，做到早发现、早报告、早化解，确保小事不出村、大事不出街道、矛盾不上交。"))
    return [Paragraph(_("（%(n)s）%(text)s") % {"n": CN_NUMERALS[i], "text": text}, "body") for i, text in enumerate(lines)]


CN_NUMERALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十"]


def _monthly(inputs: ReportInputs, judgement: str) -> list:
    s, stats, period = inputs.summary, inputs.stats, inputs.period
    blocks = [Paragraph(_("现将%(period)s全街道矛盾纠纷形势研判情况报告如下。") % {"period": period.label})]
    blocks.append(Heading(_("一、基本情况")))
    blocks += overall_paragraphs(inputs, lead=period.label)
    blocks.append(key_figures_table(inputs))
    blocks.append(chart("rates", charts.rates(s), _("主要指标")))

    blocks.append(Heading(_("二、发展趋势")))
    blocks.append(Paragraph(trend_words(stats.trend)))
    blocks.append(chart("trend", charts.monthly_trend(stats.trend), _("月度趋势")))
    blocks.append(trend_table(stats.trend))

    blocks.append(Heading(_("三、纠纷类型和来源")))
    blocks.append(Paragraph(share_words(stats.by_type, s.new_cases, _("纠纷类型"))))
    blocks.append(type_chart(stats.by_type))
    blocks.append(breakdown_table("types", _("纠纷类型分布"), _("纠纷类型"), stats.by_type, s))
    blocks.append(Paragraph(share_words(stats.by_channel, s.new_cases, _("来源渠道"))))
    blocks.append(breakdown_table("channels", _("来源渠道分布"), _("来源渠道"), stats.by_channel, s))

    blocks.append(Heading(_("四、热点区域和突出问题")))
    blocks += hotspot_blocks(stats.hotspots)
    blocks.append(chart("villages", charts.village_volumes(stats.by_village), _("各村(社区)案件量与调解成功率")))
    blocks.append(ranking_table("villages", _("各村(社区)矛盾纠纷化解情况"), _("村(社区)"), stats.by_village, s))

    blocks.append(Heading(_("五、风险研判")))
    watched = data.risk_watch_cases(inputs.cases, period)
    blocks.append(
        Paragraph(
            _(
                "本月防范民转刑%(criminal)d件，化解群体性纠纷%(group)d件。截至月末，在办纠纷中有红色、橙色风险或民转刑风险、群体性特征的%(n)d件，需重点关注。"
            )
            % {"criminal": s.criminal_prevented, "group": s.group_prevented, "n": watched.count}
        )
    )
    if watched.count:
        blocks.append(case_table("risk_watch", _("月末在办的风险纠纷"), watched))
    box = judgement_box(inputs.kind, judgement)
    blocks.append(Heading(_("六、%(title)s") % {"title": box.title}))
    blocks.append(box)
    return blocks


def trend_words(points: list[ind.TrendPoint]) -> str:
    total = sum(point.new_cases for point in points)
    if not total:
        return _("近12个月未登记矛盾纠纷。")
    peak = max(points, key=lambda point: point.new_cases)
    last = points[-1]
    before = points[-2] if len(points) > 1 else None
    text = _("近12个月共新登记矛盾纠纷%(total)d件，月均%(avg).1f件，其中%(peak)s最多（%(n)d件）。") % {
        "total": total,
        "avg": total / len(points),
        "peak": _("%(y)d年%(m)d月") % {"y": peak.period.start.year, "m": peak.period.start.month},
        "n": peak.new_cases,
    }
    if before is not None:
        text += _("本月新登记%(now)d件，上月%(before)d件。") % {"now": last.new_cases, "before": before.new_cases}
    return text


def share_words(rows: list[ind.Figures], total: int, what: str) -> str:
    top = sorted((row for row in rows if row.new_cases), key=lambda row: -row.new_cases)[:3]
    if not top or not total:
        return _("按%(what)s统计，本期无新登记纠纷。") % {"what": what}
    parts = [_("%(label)s%(n)d件（%(share).1f%%）") % {"label": row.label, "n": row.new_cases, "share": row.new_cases * 100 / total} for row in top]
    return _("按%(what)s统计，居前的是%(parts)s。") % {"what": what, "parts": "、".join(parts)}


def hotspot_blocks(hot: ind.Hotspots) -> list:
    blocks = []
    if hot.villages:
        blocks.append(
            Paragraph(
                _("从区域看，新登记纠纷较多的是%(list)s。") % {"list": "、".join(_("%(name)s%(n)d件") % {"name": r.label, "n": r.current} for r in hot.villages)}
            )
        )
    if hot.rising_types:
        blocks.append(
            Paragraph(
                _("从类型看，较上期增长较快的是%(list)s。")
                % {"list": "、".join(_("%(name)s（%(growth)s）") % {"name": r.label, "growth": r.growth_display} for r in hot.rising_types)}
            )
        )
    rows = [[_("村(社区)"), r.label, n(r.current), n(r.previous), V(r.growth_display, r.growth.value, percent=r.growth.value is not None)] for r in hot.villages]
    rows += [[_("纠纷类型"), r.label, n(r.current), n(r.previous), V(r.growth_display, r.growth.value, percent=r.growth.value is not None)] for r in hot.types]
    if rows:
        blocks.append(
            Table(
                "hotspots",
                _("热点区域和热点类型"),
                [_("维度"), _("名称"), _("本期新登记"), _("上期新登记"), _("增幅")],
                rows,
                widths=(16, 30, 18, 18, 18),
                numeric=(2, 3, 4),
            )
        )
    else:
        blocks.append(Paragraph(_("本期无新登记纠纷，未形成热点区域和热点类型。")))
    return blocks


def _quarterly(inputs: ReportInputs, judgement: str) -> list:
    s, stats, period = inputs.summary, inputs.stats, inputs.period
    blocks = [
        Paragraph(
            _("现将%(period)s全街道矛盾纠纷多元化解和“两所一庭”协同工作情况报告如下，提请政法工作联席会议研究。") % {"period": period.label}
        )
    ]
    blocks.append(Heading(_("一、总体情况")))
    blocks += overall_paragraphs(inputs, lead=period.label)
    blocks.append(key_figures_table(inputs))
    blocks.append(chart("rates", charts.rates(s), _("主要指标")))
    blocks.append(chart("trend", charts.monthly_trend(stats.trend), _("月度趋势")))

    blocks += two_offices_blocks(inputs, heading=_("二、“两所一庭”协同对接情况"))
    blocks += confirmation_blocks(inputs, heading=_("三、司法确认情况"))

    blocks.append(Heading(_("四、分级化解和矛盾上交情况")))
    blocks += tier_blocks(inputs)
    moved = data.escalations(inputs.cases, period)
    handed = sum(1 for e in moved if e.action == "hand_up")
    blocks.append(
        Paragraph(
            _("本季度上报上一级化解%(up)d件，上交街道以外%(out)d件。") % {"up": len(moved) - handed, "out": handed}
        )
    )

    blocks.append(Heading(_("五、各村(社区)情况")))
    blocks += village_comment(stats.by_village)
    blocks.append(ranking_table("villages", _("各村(社区)矛盾纠纷化解情况"), _("村(社区)"), stats.by_village, s))
    box = judgement_box(inputs.kind, judgement)
    blocks.append(Heading(_("六、%(title)s") % {"title": box.title}))
    blocks.append(box)
    return blocks


def two_offices_blocks(inputs: ReportInputs, *, heading: str) -> list:
    by_channel = {row.key: row for row in inputs.stats.by_channel}

    def new_from(channel):
        row = by_channel.get(channel)
        return row.new_cases if row else 0

    rows = data.referrals(inputs.cases, inputs.period)
    reports = data.police_reports(inputs.cases, inputs.period)
    blocks = [Heading(heading)]
    blocks.append(
        Paragraph(
            _(
                "本期受理公安机关移送（警调对接）纠纷%(police)d件、人民法院委托（诉调对接）纠纷%(court)d件、信访部门转办（访调对接）纠纷%(petition)d件；"
                "发现民转刑风险向派出所报告%(reports)d次。"
            )
            % {
                "police": new_from(Channel.POLICE_REFERRAL),
                "court": new_from(Channel.COURT_REFERRAL),
                "petition": new_from(Channel.PETITION_REFERRAL),
                "reports": reports,
            }
        )
    )
    blocks.append(
        Table(
            "referrals",
            _("对接移送登记情况"),
            [_("对接类型"), _("移入"), _("移出"), _("已反馈"), _("逾期未反馈")],
            [[row.label, n(row.incoming), n(row.outgoing), n(row.answered), n(row.late)] for row in rows],
            widths=(28, 18, 18, 18, 18),
            numeric=(1, 2, 3, 4),
            total=[
                _("合计"),
                n(sum(r.incoming for r in rows)),
                n(sum(r.outgoing for r in rows)),
                n(sum(r.answered for r in rows)),
                n(sum(r.late for r in rows)),
            ],
            note=_("注：按对接移送记录的移送或接收日期统计；“逾期未反馈”为反馈期限已到而未按期反馈的记录。"),
        )
    )
    return blocks


def confirmation_blocks(inputs: ReportInputs, *, heading: str) -> list:
    s = inputs.summary
    found = data.confirmations(inputs.cases, inputs.period)
    blocks = [Heading(heading)]
    blocks.append(
        Paragraph(
            _("本期当事人共同申请司法确认%(applied)d件；人民法院作出裁定%(decided)d件，其中确认调解协议有效%(confirmed)d件。")
            % {"applied": found.applied, "decided": sum(count for _label, count in found.by_outcome), "confirmed": s.judicial_confirmations}
        )
    )
    blocks.append(
        Table(
            "confirmations",
            _("司法确认裁定结果"),
            [_("结果"), _("件数")],
            [[label, n(count)] for label, count in found.by_outcome],
            widths=(60, 40),
            numeric=(1,),
            total=[_("合计"), n(sum(count for _label, count in found.by_outcome))],
        )
    )
    if found.rows:
        blocks.append(
            Table(
                "confirmation_list",
                _("本期作出裁定的司法确认"),
                [_("序号"), _("案件编号"), _("人民法院/法庭"), _("申请日期"), _("裁定日期"), _("结果")],
                [
                    [str(i), c.agreement.case.number, c.court.name, short_date(c.applied_on, inputs.period.end.year), short_date(c.decided_on, inputs.period.end.year), c.get_outcome_display()]
                    for i, c in enumerate(found.rows, 1)
                ],
                widths=(7, 25, 26, 14, 14, 14),
                numeric=(0, 3, 4, 5),
            )
        )
    return blocks


def tier_blocks(inputs: ReportInputs) -> list:
    s, rows = inputs.summary, inputs.stats.by_tier
    blocks = []
    if s.concluded:
        parts = [
            _("%(tier)s调结%(n)d件") % {"tier": row.label.split("：")[0], "n": row.concluded}
            for row in rows
            if row.concluded
        ]
        blocks.append(Paragraph(_("从化解层级看，%(parts)s。") % {"parts": "，".join(parts)}))
    table = Table(
        "tiers",
        _("各层级调处情况"),
        [_("调处层级"), _("新登记"), _("达成协议"), _("调解终止"), _("调解成功率"), _("办结")],
        [[row.label, n(row.new_cases), n(row.agreements), n(row.terminations), rate_cell(row.success_rate), n(row.closed)] for row in rows],
        widths=(34, 12, 13, 13, 16, 12),
        numeric=(1, 2, 3, 4, 5),
        total=[_("合计"), n(s.new_cases), n(s.agreements), n(s.terminations), rate_cell(s.success_rate), n(s.closed)],
    )
    blocks.append(table)
    blocks.append(chart("tiers", charts.tier_distribution(rows), _("各层级调处结果"), 115))
    return blocks


def _annual(inputs: ReportInputs, judgement: str) -> list:
    s, stats, period = inputs.summary, inputs.stats, inputs.period
    year = period.start.year
    blocks = [Paragraph(_("现将%(year)d年度全街道矛盾纠纷多元化解工作情况总结如下。") % {"year": year})]
    blocks.append(Heading(_("一、全年工作情况")))
    blocks += overall_paragraphs(inputs, lead=_("%(year)d年") % {"year": year})
    blocks.append(key_figures_table(inputs))
    blocks.append(chart("rates", charts.rates(s), _("主要指标")))

    blocks.append(Heading(_("二、月度走势")))
    blocks.append(Paragraph(trend_words(stats.trend).replace(_("近12个月"), _("全年")).replace(_("本月"), _("12月"))))
    blocks.append(chart("trend", charts.monthly_trend(stats.trend), _("月度趋势")))
    blocks.append(trend_table(stats.trend))

    blocks.append(Heading(_("三、纠纷类型和来源")))
    blocks.append(Paragraph(share_words(stats.by_type, s.new_cases, _("纠纷类型"))))
    blocks.append(type_chart(stats.by_type))
    blocks.append(breakdown_table("types", _("纠纷类型分布"), _("纠纷类型"), stats.by_type, s))
    blocks.append(Paragraph(share_words(stats.by_channel, s.new_cases, _("来源渠道"))))
    blocks.append(chart("channels", charts.channel_distribution(stats.by_channel), _("来源渠道分布"), 125))
    blocks.append(breakdown_table("channels", _("来源渠道分布"), _("来源渠道"), stats.by_channel, s))

    blocks.append(Heading(_("四、分级化解情况")))
    blocks += tier_blocks(inputs)

    blocks.append(Heading(_("五、各村(社区)和街道各部门情况")))
    blocks += village_comment(stats.by_village)
    blocks.append(chart("villages", charts.village_volumes(stats.by_village), _("各村(社区)案件量与调解成功率")))
    blocks.append(ranking_table("villages", _("各村(社区)矛盾纠纷化解情况"), _("村(社区)"), stats.by_village, s))
    departments = department_rows(inputs)
    if departments:
        blocks.append(ranking_table("units", _("街道各承办部门矛盾纠纷化解情况"), _("承办部门"), departments, None))

    blocks += two_offices_blocks(inputs, heading=_("六、“两所一庭”协同对接和司法确认"))
    confirmation = confirmation_blocks(inputs, heading="")
    blocks += confirmation[1:]

    blocks += incidents_section(inputs, heading=_("七、不到位情形和考核"), each=False)
    box = judgement_box(inputs.kind, judgement)
    blocks.append(Heading(_("八、%(title)s") % {"title": box.title}))
    blocks.append(box)
    return blocks


BUILDERS = {
    ReportKind.WEEKLY: _weekly,
    ReportKind.BIWEEKLY: _biweekly,
    ReportKind.MONTHLY: _monthly,
    ReportKind.QUARTERLY: _quarterly,
    ReportKind.ANNUAL: _annual,
}


def report_build(
    inputs: ReportInputs,
    *,
    number: str,
    version: int,
    automatic: bool,
    judgement: str = "",
    issued_on: date | None = None,
) -> ReportDocument:
    """The report of `inputs.kind` for `inputs.period` as a structure, ready to render."""
    kind, period, subdistrict = inputs.kind, inputs.period, inputs.subdistrict
    spec = spec_of(kind)
    issuer = unit_name(subdistrict, spec.issuer_kind, spec.issuer_fallback)
    recipient = unit_name(subdistrict, UnitKind.PARTY_WORKING_COMMITTEE, _("党工委"))
    local_now = timezone.localtime(inputs.now)
    blocks = BUILDERS[ReportKind(kind)](inputs, judgement or "")
    version_note = ""
    if version > 1:
        version_note = _("第%(v)d版，%(date)s重新生成，代替此前各版。") % {"v": version, "date": cn_date(local_now.date())}
    document = ReportDocument(
        kind=kind,
        kind_name=spec.name,
        mast=issuer,
        number=number,
        title=report_title(kind, period),
        period_line=period_line(period, local_now.date()),
        recipient=recipient,
        issuer=issuer,
        issued_on=issued_on or local_now.date(),
        version=version,
        generated_at=inputs.now,
        automatic=automatic,
        period_code=period.code,
        blocks=blocks,
        distribution=distribution(subdistrict, kind),
        version_note=version_note,
        filename=f"{report_title(kind, period)}_{number}_v{version}",
    )
    document.number_blocks()
    return document


def headline(summary: ind.Summary) -> dict:
    """The figures kept on the archive row (what the archive list shows beside each version)."""
    return {
        "new_cases": summary.new_cases,
        "concluded": summary.concluded,
        "agreements": summary.agreements,
        "success_rate": summary.success_rate.percent,
        "closed": summary.closed,
        "on_time_rate": summary.on_time_rate.percent,
        "performance_rate": summary.performance_rate.percent,
        "not_handed_up_rate": summary.not_handed_up_rate.percent,
        "incidents": summary.incidents,
        "open_at_end": summary.open_at_end,
    }


__all__ = ["gather", "report_build", "headline", "ReportInputs"]
