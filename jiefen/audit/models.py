from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class EventSeal(models.Model):
    """The keyed hash that chains one case event to every event sealed before it.

    Kept beside the events rather than on them, so that the set-based sweeps can keep writing
    events with plain INSERTs and one sealer adds the seals afterwards, in seal order.
    ``event_id`` is a plain number, not a foreign key: a deleted event must leave its seal
    behind as evidence.
    """

    event_id = models.BigIntegerField(_("事件编号"), unique=True)
    chain_hash = models.CharField(_("链式摘要"), max_length=64)
    sealed_at = models.DateTimeField(_("封存时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("事件封存")
        verbose_name_plural = _("事件封存")
        ordering = ["id"]

    def __str__(self):
        return f"{self.event_id} {self.chain_hash[:12]}"


class AccessKind(models.TextChoices):
    CASE = "case", _("查看案件")
    DOCUMENT = "document", _("下载文书")
    DOSSIER = "dossier", _("下载卷宗")
    EVIDENCE = "evidence", _("查看证据材料")
    API = "api", _("接口读取")
    REVEAL = "reveal", _("查看完整个人信息")


class CaseAccess(models.Model):
    """Who opened which case file, when, and how (PIPL: access to sensitive personal data)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey("cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("方式"), max_length=20, choices=AccessKind.choices)
    detail = models.CharField(_("说明"), max_length=200, blank=True)
    at = models.DateTimeField(_("时间"), auto_now_add=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("案卷访问记录")
        verbose_name_plural = _("案卷访问记录")
        ordering = ["-id"]
        indexes = [
            models.Index(fields=["case", "-id"], name="access_by_case"),
            models.Index(fields=["user", "-id"], name="access_by_user"),
        ]

    def __str__(self):
        return f"{self.user} {self.get_kind_display()} {self.case_id}"
