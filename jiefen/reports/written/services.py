"""Producing, numbering and archiving the written reports, and the schedule that produces them.

A report version is made in three steps:

1. reserve: in one short transaction, the report's number is issued (or found: every version of
   a report carries the number its first version got) and the next version number taken, and
   the row is written with status RENDERING. An automatic version can exist once per report
   (a conditional unique constraint), so of two schedulers racing for the same report one
   reserves it and the other learns at once that it has nothing to do;
2. render: the figures are read from the indicators and the DOCX, PDF and XLSX are rendered
   (seconds, outside any transaction, so nothing is locked meanwhile);
3. store: the files go under MEDIA_ROOT/reports/… with their SHA-256, and the row becomes READY.

If rendering fails the reserved row is deleted (the number stays with the report, so the
sequence has no gaps) and the next check tries again. A row left RENDERING by a process that
died is cleared after RENDERING_STALE_AFTER.

The schedule (DESIGN §8): a report is due on the first working day after its period ends
(jiefen.workdays: holidays and 调休 working days), e.g. the monthly analysis of September 2026
on 8 October 2026, after the National Day holiday. `reports_produce_due` runs from the
scheduler every hour and produces every report that is due and has no automatic version.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jiefen.documents.models import DocumentSequence
from jiefen.organisation.models import Area, AreaKind
from jiefen.workdays.services import next_working_day, next_working_days

from .. import periods
from ..models import Report, ReportKind, ReportNumber, ReportStatus
from .builders import gather, headline, report_build
from .kinds import ReportInputError, number_text, report_period, report_title, spec_of

logger = logging.getLogger(__name__)

FORMATS = ("docx", "pdf", "xlsx")
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
RENDERING_STALE_AFTER = timedelta(hours=1)


def report_formats() -> tuple[str, ...]:
    """The files stored for each version (all three unless JIEFEN_REPORT_FORMATS narrows them)."""
    wanted = getattr(settings, "JIEFEN_REPORT_FORMATS", FORMATS)
    return tuple(fmt for fmt in FORMATS if fmt in wanted)


# ---------------------------------------------------------------- the schedule


def report_due_date(period: periods.Period) -> date:
    """The first working day after the period ends."""
    return next_working_day(period.end + timedelta(days=1))


def report_due_dates(some_periods) -> dict:
    """report_due_date of each period, reading the holiday table once."""
    some_periods = list(some_periods)
    days = next_working_days(period.end + timedelta(days=1) for period in some_periods)
    return {period: days[period.end + timedelta(days=1)] for period in some_periods}


def catch_up_days() -> int:
    """How far back the schedule still produces a report it missed (scheduler down on the due
    day); older periods are produced on demand only, so a new installation does not fill its
    archive with empty reports of the past."""
    return int(getattr(settings, "JIEFEN_REPORT_CATCH_UP_DAYS", 7))


def reports_due(today: date) -> list[tuple[str, periods.Period]]:
    """(kind, period) of every report due by `today` within the catch-up window, oldest first."""
    oldest = today - timedelta(days=catch_up_days())
    due = []
    for kind in ReportKind.values:
        period = periods.last_complete(spec_of(kind).period_kind, today)
        while True:
            on = report_due_date(period)
            if on < oldest:
                break
            if on <= today:
                due.append((on, kind, period))
            period = period.previous()
    due.sort(key=lambda item: (item[0], item[2].start, ReportKind.values.index(item[1])))
    return [(kind, period) for _on, kind, period in due]


def reports_produce_due(*, today: date | None = None, now: datetime | None = None) -> list[Report]:
    """Produce every due report that has no automatic version yet, for every subdistrict.
    Safe to run any number of times, from any number of schedulers at once."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    _clear_stale(now)
    produced = []
    due = reports_due(today)
    if not due:
        return produced
    for subdistrict in Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("id"):
        for kind, period in due:
            if Report.objects.filter(subdistrict=subdistrict, kind=kind, period_code=period.code, automatic=True).exists():
                continue
            try:
                report = report_produce(subdistrict=subdistrict, kind=kind, period=period, automatic=True, now=now)
            except Exception:  # noqa: BLE001 - one failing report must not stop the others
                logger.exception("automatic report %s %s of %s failed", kind, period.code, subdistrict)
                continue
            if report is not None:
                produced.append(report)
    return produced


def _clear_stale(now: datetime) -> None:
    stale = Report.objects.filter(status=ReportStatus.RENDERING, created_at__lt=now - RENDERING_STALE_AFTER)
    for report in stale:
        logger.warning("clearing report %s left rendering since %s", report.pk, report.created_at)
        _delete_files(report)
        report.delete()


# ---------------------------------------------------------------- numbering


def _sequence_kind(kind: str) -> str:
    return f"report:{kind}"


def report_number_issue(*, subdistrict: Area, kind: str, period: periods.Period, now: datetime) -> ReportNumber:
    """The report's 发文字号, issued from the subdistrict's per-year, per-kind sequence (the
    documents app's DocumentSequence, locked while the number is drawn) the first time, then
    found again for every later version. Call inside a transaction."""
    existing = ReportNumber.objects.filter(subdistrict=subdistrict, kind=kind, period_code=period.code).first()
    if existing is not None:
        return existing
    year = timezone.localtime(now).year
    sequence, _created = DocumentSequence.objects.select_for_update().get_or_create(
        subdistrict=subdistrict, year=year, kind=_sequence_kind(kind)
    )
    existing = ReportNumber.objects.filter(subdistrict=subdistrict, kind=kind, period_code=period.code).first()
    if existing is not None:
        return existing
    DocumentSequence.objects.filter(pk=sequence.pk).update(last_value=F("last_value") + 1)
    sequence.refresh_from_db(fields=["last_value"])
    prefix = subdistrict.code or subdistrict.name
    return ReportNumber.objects.create(
        subdistrict=subdistrict,
        kind=kind,
        period_code=period.code,
        year=year,
        value=sequence.last_value,
        text=number_text(prefix, kind, year, sequence.last_value),
        issued_at=now,
    )


def _reserve(*, subdistrict, kind, period, automatic, actor, judgement, now) -> Report | None:
    """Write the version's row (status RENDERING); None when an automatic version exists."""
    for _attempt in range(5):
        try:
            with transaction.atomic():
                if automatic and Report.objects.filter(
                    subdistrict=subdistrict, kind=kind, period_code=period.code, automatic=True
                ).exists():
                    return None
                number = report_number_issue(subdistrict=subdistrict, kind=kind, period=period, now=now)
                last = Report.objects.filter(subdistrict=subdistrict, kind=kind, period_code=period.code).aggregate(
                    last=Max("version")
                )["last"]
                return Report.objects.create(
                    subdistrict=subdistrict,
                    kind=kind,
                    period_code=period.code,
                    period_start=period.start,
                    period_end=period.end,
                    period_label=period.label[:60],
                    version=(last or 0) + 1,
                    number=number,
                    title=report_title(kind, period),
                    status=ReportStatus.RENDERING,
                    automatic=automatic,
                    created_by=actor,
                    created_at=now,
                    judgement=judgement,
                )
        except IntegrityError:
            # Someone else took this version (or the automatic slot, or the number) a moment
            # ago; look again.
            if automatic and Report.objects.filter(
                subdistrict=subdistrict, kind=kind, period_code=period.code, automatic=True
            ).exists():
                return None
    raise IntegrityError("could not reserve a report version")


# ---------------------------------------------------------------- rendering and storing


@dataclass
class Rendered:
    document: object
    files: dict  # fmt -> bytes
    figures: dict


def report_render(inputs, *, number: str, version: int, automatic: bool, judgement: str, formats=FORMATS) -> Rendered:
    from .render_docx import render_report_docx
    from .render_pdf import render_report_pdf
    from .render_xlsx import render_report_xlsx

    document = report_build(inputs, number=number, version=version, automatic=automatic, judgement=judgement)
    renderers = {"docx": render_report_docx, "pdf": render_report_pdf, "xlsx": render_report_xlsx}
    files = {fmt: renderers[fmt](document) for fmt in formats}
    return Rendered(document, files, headline(inputs.summary))


def renderers_preload() -> threading.Thread:
    """Import the renderers (matplotlib for the charts, python-docx, WeasyPrint, openpyxl) in a
    background thread, started before the figures are read; join it before rendering.

    A fresh process — ``manage.py report``, a worker's first report — spends about two seconds
    importing them. Begun first, the imports run while the database answers the statistics
    queries (which release the GIL), instead of after them. Joining before rendering means
    the two threads never import the same module at the same time."""

    def run():
        try:
            from .. import charts
            from . import render_docx, render_pdf, render_xlsx  # noqa: F401

            charts.cjk_font()  # matplotlib itself and its font list
            import weasyprint  # noqa: F401  (imported by the PDF renderer when it first renders)
        except Exception:  # noqa: BLE001 - the renderer's own import will say what is wrong
            logger.debug("preloading the report renderers failed", exc_info=True)

    thread = threading.Thread(target=run, name="report-renderers-preload", daemon=True)
    thread.start()
    return thread


def _storage_dir(report: Report) -> str:
    return f"reports/{report.subdistrict_id}/{report.kind}/{report.period_code}/v{report.version}"


def _write(relative: str, content: bytes) -> None:
    path = Path(settings.MEDIA_ROOT) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".part")
    temporary.write_bytes(content)
    temporary.replace(path)  # atomic: a reader never sees half a file


def _delete_files(report: Report) -> None:
    folder = Path(settings.MEDIA_ROOT) / _storage_dir(report)
    if folder.is_dir():
        for path in folder.iterdir():
            path.unlink(missing_ok=True)
        folder.rmdir()


def report_file_path(report: Report, fmt: str) -> Path | None:
    relative = report.path_of(fmt)
    return Path(settings.MEDIA_ROOT) / relative if relative else None


def report_produce(
    *,
    subdistrict: Area,
    kind: str,
    period,
    actor=None,
    automatic: bool = False,
    judgement: str | None = None,
    now: datetime | None = None,
) -> Report | None:
    """Produce a new version of the report of `kind` for `period` (a Period or its code) and
    archive it. `judgement` None carries over the latest version's judgement; "" clears it.
    Returns the READY row, or None for an automatic run whose report already has one."""
    spec_of(kind)
    if isinstance(period, str):
        period = report_period(kind, period)
    elif period.kind != spec_of(kind).period_kind:
        raise ReportInputError(_("统计期与报告种类不符。"))
    now = now or timezone.now()
    if judgement is None:
        latest = (
            Report.objects.filter(subdistrict=subdistrict, kind=kind, period_code=period.code, status=ReportStatus.READY)
            .order_by("-version")
            .first()
        )
        judgement = latest.judgement if latest else ""
    judgement = judgement.strip()
    report = _reserve(
        subdistrict=subdistrict, kind=kind, period=period, automatic=automatic, actor=actor, judgement=judgement, now=now
    )
    if report is None:
        return None
    started = time.perf_counter()
    try:
        preload = renderers_preload()
        inputs = gather(subdistrict, kind, period, now=now)
        preload.join()
        rendered = report_render(
            inputs, number=report.number.text, version=report.version, automatic=automatic, judgement=judgement, formats=report_formats()
        )
        folder = _storage_dir(report)
        stem = f"{kind}-{period.code}-v{report.version}"
        for fmt, content in rendered.files.items():
            relative = f"{folder}/{stem}.{fmt}"
            _write(relative, content)
            setattr(report, f"{fmt}_path", relative)
            setattr(report, f"{fmt}_sha256", hashlib.sha256(content).hexdigest())
        report.figures = rendered.figures
        report.render_ms = int((time.perf_counter() - started) * 1000)
        report.status = ReportStatus.READY
        report.save()
    except BaseException:
        _delete_files(report)
        Report.objects.filter(pk=report.pk).delete()
        raise
    logger.info("report %s %s v%d produced in %d ms", kind, period.code, report.version, report.render_ms)
    return report


def report_download_name(report: Report, fmt: str) -> str:
    """古湖综治通〔2026〕22号_关于2026年第22期…的通报_第1版.pdf"""
    return f"{report.number.text}_{report.title}_第{report.version}版.{fmt}"


def report_verify(report: Report, fmt: str) -> bool:
    """Whether the stored file still has the SHA-256 recorded when it was made."""
    path = report_file_path(report, fmt)
    if path is None or not path.is_file():
        return False
    return hashlib.sha256(path.read_bytes()).hexdigest() == report.sha256_of(fmt)


def single_subdistrict() -> Area:
    subdistricts = list(Area.objects.filter(kind=AreaKind.SUBDISTRICT).order_by("id")[:2])
    if len(subdistricts) != 1:
        raise ReportInputError(
            _("系统中没有街道。") if not subdistricts else _("系统中有多个街道，请用 --subdistrict 指明是哪一个。")
        )
    return subdistricts[0]
