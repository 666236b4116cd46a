"""The archive of written reports (DESIGN §8): one row per version of a report of one kind for
one period, with the files it was rendered to and their SHA-256.

A report is never changed once rendered. Running a period again — by the scheduler, from the
archive page, from the command line, or to add the analyst's judgement — makes a new version;
earlier versions stay on disk and in the archive. All versions of one report (kind and period)
carry the number the report was first issued with (ReportNumber), as a document reissued in a
corrected version keeps its 发文字号.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area


class ReportKind(models.TextChoices):
    WEEKLY = "weekly", _("周会商材料")
    BIWEEKLY = "biweekly", _("双周通报")
    MONTHLY = "monthly", _("月度研判报告")
    QUARTERLY = "quarterly", _("政法工作联席会议报告")
    ANNUAL = "annual", _("年度工作总结")


class ReportStatus(models.TextChoices):
    # The row is written first (so the version and number are fixed before rendering, and a
    # second scheduler sees the report is being made), then the files; READY when they are.
    RENDERING = "rendering", _("生成中")
    READY = "ready", _("已生成")


class ReportNumber(models.Model):
    """The 发文字号 of a report (one kind, one period), issued with its first version from the
    per-subdistrict, per-year, per-kind sequence of the documents app, and kept for every
    later version."""

    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("报告种类"), max_length=20, choices=ReportKind.choices)
    period_code = models.CharField(_("统计期"), max_length=30)
    year = models.PositiveIntegerField(_("年度"))
    value = models.PositiveIntegerField(_("序号"))
    text = models.CharField(_("文号"), max_length=60)
    issued_at = models.DateTimeField(_("编号时间"))

    class Meta:
        verbose_name = _("报告文号")
        verbose_name_plural = _("报告文号")
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "kind", "period_code"], name="report_number_once"),
            models.UniqueConstraint(fields=["subdistrict", "kind", "year", "value"], name="report_number_unique_value"),
        ]

    def __str__(self):
        return self.text


class Report(models.Model):
    subdistrict = models.ForeignKey(Area, verbose_name=_("街道"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("报告种类"), max_length=20, choices=ReportKind.choices)
    period_code = models.CharField(_("统计期"), max_length=30)
    period_start = models.DateField(_("统计期开始"))
    period_end = models.DateField(_("统计期结束"))
    period_label = models.CharField(_("统计期名称"), max_length=60)
    version = models.PositiveIntegerField(_("版本"))
    number = models.ForeignKey(ReportNumber, verbose_name=_("文号"), on_delete=models.PROTECT, related_name="versions")
    title = models.CharField(_("标题"), max_length=200)
    status = models.CharField(_("状态"), max_length=12, choices=ReportStatus.choices, default=ReportStatus.RENDERING)
    automatic = models.BooleanField(_("自动生成"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("生成人"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("生成时间"))
    # The analyst's judgement (研判意见), printed in the report; blank prints an empty box.
    judgement = models.TextField(_("研判意见"), blank=True)
    # Paths relative to MEDIA_ROOT; never served from MEDIA_URL, only through the archive's
    # download view, which checks who asks.
    docx_path = models.CharField(_("DOCX文件"), max_length=300, blank=True)
    docx_sha256 = models.CharField(_("DOCX SHA-256"), max_length=64, blank=True)
    pdf_path = models.CharField(_("PDF文件"), max_length=300, blank=True)
    pdf_sha256 = models.CharField(_("PDF SHA-256"), max_length=64, blank=True)
    xlsx_path = models.CharField(_("XLSX文件"), max_length=300, blank=True)
    xlsx_sha256 = models.CharField(_("XLSX SHA-256"), max_length=64, blank=True)
    # The headline figures as printed (from jiefen.reports.indicators), for the archive list.
    figures = models.JSONField(_("主要数据"), default=dict, blank=True)
    render_ms = models.PositiveIntegerField(_("生成耗时(毫秒)"), default=0)

    class Meta:
        verbose_name = _("书面报告")
        verbose_name_plural = _("书面报告")
        ordering = ["-period_start", "kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "kind", "period_code", "version"], name="report_version_once"),
            # The scheduler makes exactly one automatic version of each report, however many
            # schedulers and workers race for it.
            models.UniqueConstraint(
                fields=["subdistrict", "kind", "period_code"], condition=Q(automatic=True), name="report_automatic_once"
            ),
        ]
        indexes = [models.Index(fields=["subdistrict", "kind", "-period_start"], name="report_sub_kind_period")]

    def __str__(self):
        return f"{self.number.text} {self.title}（第{self.version}版）"

    @property
    def is_ready(self):
        return self.status == ReportStatus.READY

    def path_of(self, fmt: str) -> str:
        return getattr(self, f"{fmt}_path", "") or ""

    def sha256_of(self, fmt: str) -> str:
        return getattr(self, f"{fmt}_sha256", "") or ""

    @property
    def formats(self) -> list[str]:
        return [fmt for fmt in ("pdf", "docx", "xlsx") if self.path_of(fmt)]

    @property
    def render_seconds(self) -> float:
        return self.render_ms / 1000

    @property
    def files(self) -> list[tuple[str, str]]:
        """(format, SHA-256) of the stored files, PDF first."""
        return [(fmt, self.sha256_of(fmt)) for fmt in self.formats]


class StatisticsSnapshot(models.Model):
    """The statistics of one view (visibility scope, period, filters, language) as computed at
    `computed_at`, with their charts: what the dashboard and the statistics tables show, so a
    page view reads one row instead of aggregating every case in the scope (see snapshots.py).

    `key` digests everything the figures depend on; `payload` is the pickled
    snapshots.SnapshotData, written only by this application (like Django's database cache)."""

    key = models.CharField(max_length=64, unique=True)
    computed_at = models.DateTimeField()
    # Set by whoever takes on recomputing the row (a background refresh, the refresh button),
    # so concurrent readers of a stale row do not all start one.
    refresh_claimed_at = models.DateTimeField(null=True, blank=True)
    payload = models.BinaryField()

    class Meta:
        verbose_name = _("统计快照")
        verbose_name_plural = _("统计快照")
        indexes = [models.Index(fields=["computed_at"], name="reports_snapshot_computed")]

    def __str__(self):
        return f"{self.key[:12]} @ {self.computed_at:%Y-%m-%d %H:%M:%S}"
