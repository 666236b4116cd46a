from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class NotificationKind(models.TextChoices):
    DUE_SOON = "due_soon", _("即将到期")
    OVERDUE = "overdue", _("已超期")
    ASSIGNED = "assigned", _("新分派")
    ESCALATED = "escalated", _("案件已上报")
    OUTCOME = "outcome", _("上报案件有结果")
    NEW_CASE = "new_case", _("新登记案件")
    TASK = "task", _("督办任务")
    INCIDENT = "incident", _("不到位情形")
    CARD = "card", _("警示牌")
    APPEAL = "appeal", _("申诉")
    DISCOVERY = "discovery", _("排查走访")
    CITIZEN = "citizen", _("群众反馈")


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("类型"), max_length=20, choices=NotificationKind.choices)
    case = models.ForeignKey(
        "cases.Case", verbose_name=_("案件"), null=True, blank=True, on_delete=models.CASCADE, related_name="notifications"
    )
    message = models.CharField(_("内容"), max_length=300)
    link = models.CharField(
        _("链接"), max_length=300, blank=True, default="", db_default="", help_text=_("站内相对地址；没有案件的通知（如警示牌、督办任务）由此打开相关页面。")
    )
    due_date = models.DateField(_("相关期限"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-id"]
        constraints = [
            # The sweep may run every hour; a reminder for one limit is sent once.
            models.UniqueConstraint(fields=["user", "case", "kind", "due_date"], name="notification_once_per_limit"),
        ]
        indexes = [models.Index(fields=["user", "read_at", "-id"], name="notification_inbox")]

    def __str__(self):
        return self.message
