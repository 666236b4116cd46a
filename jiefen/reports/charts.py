"""The charts of the statistics, drawn once with matplotlib and used twice: inline SVG on the
dashboard, PNG in the written reports (DOCX/PDF). Same data, same function, same picture.

Every chart function takes figures from jiefen.reports.indicators and returns a
``matplotlib.figure.Figure``; ``to_svg`` and ``to_png`` turn it into what the page or the
document needs:

    stats = indicators.statistics(cases, period)
    svg = charts.to_svg(charts.type_distribution(stats.by_type))       # dashboard
    png = charts.to_png(charts.type_distribution(stats.by_type))       # report, 200 dpi

The figures are built with the object-oriented API (Figure + FigureCanvasAgg), never pyplot,
so there is no global "current figure" shared between requests or threads, and nothing has to
be closed. Text uses Noto Sans CJK SC (Debian fonts-noto-cjk); if it is missing, `font_status`
says so and the charts fall back to the default font (Chinese would show as boxes).
"""

from __future__ import annotations

import io
import re
import threading
from contextlib import contextmanager
from functools import lru_cache
from types import SimpleNamespace
from typing import TYPE_CHECKING

from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from matplotlib.figure import Figure


@lru_cache(maxsize=1)
def _mpl() -> SimpleNamespace:
    """matplotlib, imported on the first chart drawn: it (with numpy) costs a web worker tens
    of megabytes, and most requests draw nothing (dashboard charts come from the cache)."""
    import matplotlib

    matplotlib.use("Agg")  # no display on a server; must precede any other matplotlib import
    from matplotlib import font_manager, rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    return SimpleNamespace(
        font_manager=font_manager,
        rc_context=rc_context,
        FigureCanvasAgg=FigureCanvasAgg,
        Figure=Figure,
        MaxNLocator=MaxNLocator,
        PercentFormatter=PercentFormatter,
    )

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei"]

# The site's palette (web/site.css): brand teal first, then colours told apart in greyscale print.
BRAND = "#0b6e69"
PALETTE = ["#0b6e69", "#e07a1f", "#2d4fb3", "#b42318", "#6b8e23", "#8e44ad", "#52606d", "#c4a000"]
INK = "#1f2933"
INK_SOFT = "#52606d"
GRID = "#d9e2ec"
OK = "#067647"
WARN = "#b54708"

# Sizes in inches at which the charts read well both in a 72rem page column and on A4.
WIDE = (8.0, 3.6)
SQUARE = (6.0, 4.2)


@lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The first installed CJK font family, or None."""
    installed = {entry.name for entry in _mpl().font_manager.fontManager.ttflist}
    for name in CJK_FONTS:
        if name in installed:
            return name
    return None


def font_status() -> str:
    """A sentence for set-up checks: which font the charts use, or what to install."""
    name = cjk_font()
    if name:
        return _("图表字体：%(font)s") % {"font": name}
    return _("未找到中文字体，图表中的汉字将无法显示。请安装 fonts-noto-cjk（Debian/Ubuntu：apt-get install fonts-noto-cjk）。")


def _rc() -> dict:
    family = [name for name in (cjk_font(),) if name] + ["DejaVu Sans"]
    return {
        "font.family": "sans-serif",
        "font.sans-serif": family,
        "font.size": 10,
        "axes.unicode_minus": False,  # CJK fonts lack U+2212; use the hyphen-minus
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK_SOFT,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.titlecolor": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "xtick.color": INK_SOFT,
        "ytick.color": INK_SOFT,
        "legend.frameon": False,
        "svg.fonttype": "none",  # keep text as text in SVG: small, crisp, selectable, readable by screen readers
        "svg.hashsalt": "jiefen",  # stable ids, so the same data gives byte-identical SVG
        "path.simplify": True,
    }


# matplotlib's rcParams are one dict for the whole process: a thread leaving rc_context puts
# the old values back while another thread may still be drawing, which then falls back to
# DejaVu Sans and prints CJK text as boxes. Charts are drawn one at a time per process.
_STYLE_LOCK = threading.RLock()


@contextmanager
def _style():
    with _STYLE_LOCK, _mpl().rc_context(_rc()):
        yield


def _figure(size) -> Figure:
    mpl = _mpl()
    figure = mpl.Figure(figsize=size, layout="constrained")
    mpl.FigureCanvasAgg(figure)
    figure.patch.set_facecolor("white")
    return figure


def _bar_height(bars: int) -> float:
    """Inches for a horizontal bar chart of `bars` bars: bars keep their thickness, however many."""
    return max(2.4, 0.36 * bars + 1.1)


def _empty(ax, text=None):
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.text(0.5, 0.5, text or _("本期无数据"), ha="center", va="center", color=INK_SOFT, fontsize=12, transform=ax.transAxes)


# ---------------------------------------------------------------- the charts


def type_distribution(rows, *, title=None, limit: int = 12) -> Figure:
    """New cases by dispute type, horizontal bars, largest first (the rest summed as 其他类型)."""
    with _style():
        data = sorted(((r.label, r.new_cases) for r in rows if r.new_cases), key=lambda item: -item[1])
        figure = _figure((6.0, _bar_height(min(len(data), limit))))
        ax = figure.add_subplot()
        ax.set_title(title or _("纠纷类型分布（新登记）"), loc="left")
        if not data:
            _empty(ax)
            return figure
        if len(data) > limit:
            data = data[: limit - 1] + [(_("其他类型"), sum(n for _label, n in data[limit - 1 :]))]
        labels = [label for label, _n in data][::-1]
        values = [n for _label, n in data][::-1]
        bars = ax.barh(labels, values, color=BRAND, height=0.6)
        total = sum(values)
        ax.bar_label(bars, labels=[f"{v}（{v / total:.0%}）" for v in values], padding=3, fontsize=9, color=INK)
        ax.xaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
        ax.set_xlim(0, max(values) * 1.25)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(_("件"))
        return figure


def monthly_trend(points, *, title=None) -> Figure:
    """New and concluded cases per month (bars) and the mediation success rate (line, right axis)."""
    with _style():
        figure = _figure(WIDE)
        ax = figure.add_subplot()
        ax.set_title(title or _("月度趋势"), loc="left")
        if not points or not any(p.new_cases or p.concluded or p.closed for p in points):
            _empty(ax)
            return figure
        labels = [f"{p.period.start.month}月" if p.period.start.month != 1 and i else f"{p.period.start.year}年{p.period.start.month}月" for i, p in enumerate(points)]
        x = list(range(len(points)))
        width = 0.38
        ax.bar([i - width / 2 for i in x], [p.new_cases for p in points], width, color=BRAND, label=_("新登记"))
        ax.bar([i + width / 2 for i in x], [p.concluded for p in points], width, color=PALETTE[1], label=_("调结"))
        ax.set_xticks(x, labels, fontsize=9)
        ax.yaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_ylabel(_("件"))
        rate_ax = ax.twinx()
        rates = [p.success_rate.value for p in points]
        rx = [i for i, r in zip(x, rates) if r is not None]
        ry = [r for r in rates if r is not None]
        rate_ax.plot(rx, ry, color=PALETTE[2], marker="o", markersize=4, linewidth=1.8, label=_("调解成功率"))
        rate_ax.set_ylim(0, 1.05)
        rate_ax.yaxis.set_major_formatter(_mpl().PercentFormatter(1.0, decimals=0))
        rate_ax.spines["right"].set_visible(True)
        rate_ax.spines["top"].set_visible(False)
        handles = ax.get_legend_handles_labels()
        rate_handles = rate_ax.get_legend_handles_labels()
        ax.legend(handles[0] + rate_handles[0], handles[1] + rate_handles[1], loc="upper left", ncols=3, fontsize=9)
        ax.set_ylim(0, max(max(p.new_cases for p in points), max(p.concluded for p in points), 1) * 1.3)
        return figure


def village_volumes(rows, *, title=None, limit: int = 30) -> Figure:
    """Each village's new and closed cases (bars) with its mediation success rate (dots, right axis)."""
    with _style():
        shown = [r for r in rows if not r.is_empty][:limit] or []
        height = max(3.2, 0.34 * len(shown) + 1.6)
        figure = _figure((8.0, height))
        ax = figure.add_subplot()
        ax.set_title(title or _("各村(社区)案件量与调解成功率"), loc="left")
        if not shown:
            _empty(ax)
            return figure
        labels = [r.label for r in shown][::-1]
        y = list(range(len(shown)))
        new = [r.new_cases for r in shown][::-1]
        closed = [r.closed for r in shown][::-1]
        h = 0.38
        ax.barh([i + h / 2 for i in y], new, h, color=BRAND, label=_("新登记"))
        ax.barh([i - h / 2 for i in y], closed, h, color=PALETTE[6], label=_("办结"))
        ax.set_yticks(y, labels, fontsize=9)
        ax.xaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.set_xlabel(_("件"))
        rate_ax = ax.twiny()
        rates = [r.success_rate.value for r in shown][::-1]
        points = [(value, i) for i, value in zip(y, rates) if value is not None]
        if points:
            rate_ax.scatter([p[0] for p in points], [p[1] for p in points], color=PALETTE[1], s=28, zorder=3, label=_("调解成功率"))
        rate_ax.set_xlim(0, 1.05)
        rate_ax.xaxis.set_major_formatter(_mpl().PercentFormatter(1.0, decimals=0))
        rate_ax.tick_params(axis="x", labelsize=8)
        rate_ax.spines["top"].set_visible(True)
        handles = ax.get_legend_handles_labels()
        rate_handles = rate_ax.get_legend_handles_labels()
        figure.legend(
            handles[0] + rate_handles[0], handles[1] + rate_handles[1], loc="outside lower center", ncols=3, fontsize=9
        )
        return figure


def rates(summary, *, title=None) -> Figure:
    """The four rates of DESIGN §9 as bars from 0 to 100 %, each with the volumes it stands on."""
    with _style():
        figure = _figure((8.0, 2.8))
        ax = figure.add_subplot()
        ax.set_title(title or _("主要指标"), loc="left")
        items = [
            (_("调解成功率"), summary.success_rate),
            (_("协议履行率"), summary.performance_rate),
            (_("按期办结率"), summary.on_time_rate),
            (_("矛盾不上交率"), summary.not_handed_up_rate),
        ][::-1]
        y = list(range(len(items)))
        ax.barh(y, [1] * len(items), color="#eef2f6", height=0.55)
        values = [rate.value or 0 for _label, rate in items]
        colours = [OK if (rate.value or 0) >= 0.9 else (BRAND if (rate.value or 0) >= 0.7 else WARN) for _label, rate in items]
        ax.barh(y, values, color=colours, height=0.55)
        for i, (_label, rate) in enumerate(items):
            text = f"{rate.percent}  （{rate.fraction}）" if rate.value is not None else _("— （无可计算的案件）")
            ax.text(1.02, i, text, va="center", fontsize=9, color=INK)
        ax.set_yticks(y, [label for label, _rate in items])
        ax.set_xlim(0, 1.45)
        ax.set_xticks([0, 0.5, 1.0])
        ax.xaxis.set_major_formatter(_mpl().PercentFormatter(1.0, decimals=0))
        ax.spines["bottom"].set_visible(False)
        ax.tick_params(axis="x", length=0)
        return figure


def channel_distribution(rows, *, title=None) -> Figure:
    """New cases by source channel (horizontal bars, only channels that had cases)."""
    with _style():
        data = sorted(((r.label, r.new_cases) for r in rows if r.new_cases), key=lambda item: -item[1])
        figure = _figure((6.0, _bar_height(len(data))))
        ax = figure.add_subplot()
        ax.set_title(title or _("来源渠道分布（新登记）"), loc="left")
        if not data:
            _empty(ax)
            return figure
        labels = [label for label, _n in data][::-1]
        values = [n for _label, n in data][::-1]
        bars = ax.barh(labels, values, color=PALETTE[2], height=0.6)
        ax.bar_label(bars, padding=3, fontsize=9, color=INK)
        ax.xaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
        ax.set_xlim(0, max(values) * 1.2)
        ax.grid(axis="x", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        return figure


def tier_distribution(rows, *, title=None) -> Figure:
    """Agreements and terminations at each tier (stacked bars): where disputes are resolved."""
    with _style():
        figure = _figure((6.0, 3.0))
        ax = figure.add_subplot()
        ax.set_title(title or _("各层级调处结果"), loc="left")
        if not any(r.concluded for r in rows):
            _empty(ax)
            return figure
        labels = [re.split(r"[：:]", r.label)[0] for r in rows]
        agreed = [r.agreements for r in rows]
        ended = [r.terminations for r in rows]
        ax.bar(labels, agreed, color=BRAND, width=0.5, label=_("达成协议"))
        ax.bar(labels, ended, bottom=agreed, color=PALETTE[1], width=0.5, label=_("调解终止"))
        ax.yaxis.set_major_locator(_mpl().MaxNLocator(integer=True))
        ax.grid(axis="y", color=GRID, linewidth=0.6)
        ax.set_axisbelow(True)
        ax.legend(fontsize=9)
        return figure


CHARTS = {
    "types": type_distribution,
    "trend": monthly_trend,
    "villages": village_volumes,
    "rates": rates,
    "channels": channel_distribution,
    "tiers": tier_distribution,
}


def statistics_charts(stats) -> dict:
    """All charts of a Statistics bundle: {name: Figure}, in the order a report shows them."""
    return {
        "rates": rates(stats.summary),
        "trend": monthly_trend(stats.trend),
        "types": type_distribution(stats.by_type),
        "villages": village_volumes(stats.by_village),
        "channels": channel_distribution(stats.by_channel),
        "tiers": tier_distribution(stats.by_tier),
    }


# ---------------------------------------------------------------- output

_SVG_SIZE = re.compile(r'(<svg[^>]*?)\swidth="[^"]*"\s+height="[^"]*"')


def to_svg(figure: Figure, *, title: str | None = None) -> str:
    """The chart as an inline <svg> element that scales to its container (no XML prologue,
    no fixed size; a <title> for screen readers, taken from the chart's title by default)."""
    buffer = io.StringIO()
    with _style():
        figure.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg") :]
    svg = _SVG_SIZE.sub(r'\1 width="100%" role="img" preserveAspectRatio="xMidYMid meet"', svg, count=1)
    if title is None:
        titles = [ax.get_title(loc="left") or ax.get_title() for ax in figure.axes]
        title = next((t for t in titles if t), "")
    if title:
        from django.utils.html import escape

        svg = re.sub(r"(<svg[^>]*>)", lambda m: m.group(1) + f"<title>{escape(title)}</title>", svg, count=1)
    # matplotlib escapes every text it writes into the SVG, and the title is escaped above.
    return mark_safe(svg)


def svg_cached(chart, data, **options) -> str:
    """`to_svg(chart(data, **options))`, remembered for ten minutes by the data it was drawn
    from: a dashboard reloaded over the same figures is not drawn again (drawing a chart takes
    a few hundred milliseconds). The key includes the language, as the labels are translated."""
    import hashlib

    from django.core.cache import cache
    from django.utils.translation import get_language

    digest = hashlib.sha256(repr((chart.__name__, data, sorted(options.items()), get_language())).encode()).hexdigest()
    key = f"jiefen:chart:{digest}"
    svg = cache.get(key)
    if svg is None:
        svg = to_svg(chart(data, **options))
        cache.set(key, str(svg), 600)
    return mark_safe(svg)


def to_png(figure: Figure, *, dpi: int = 200) -> bytes:
    """The chart as PNG bytes (200 dpi prints sharp on A4 at the chart's natural size).

    Drawn once on the figure's own canvas: the layout engine places the axes at the start of
    that draw. (savefig draws a figure with a layout engine twice, once without output to
    lay it out, which doubled the cost of a report's charts.) The picture is opaque (white
    background), so it is stored as RGB: a quarter less to compress, and the PDF needs no
    separate transparency mask for it."""
    from PIL import Image

    canvas = figure.canvas
    dpi_before = figure.dpi
    try:
        with _style():
            figure.set_dpi(dpi)
            canvas.draw()
            width, height = canvas.get_width_height(physical=True)
            image = Image.frombuffer("RGBA", (width, height), canvas.buffer_rgba(), "raw", "RGBA", 0, 1).convert("RGB")
    finally:
        figure.set_dpi(dpi_before)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(dpi, dpi))
    return buffer.getvalue()


__all__ = [
    "type_distribution",
    "monthly_trend",
    "village_volumes",
    "rates",
    "channel_distribution",
    "tier_distribution",
    "statistics_charts",
    "to_svg",
    "to_png",
    "svg_cached",
    "cjk_font",
    "font_status",
    "CHARTS",
]
