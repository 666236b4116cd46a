from django.conf import settings
from django.db import models
from django.utils import timezone
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
    # Found by user through notification_inbox (user, read_at, -id) below; no single-column
    # index of its own to write for every notification.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("接收人"), on_delete=models.CASCADE, related_name="notifications",
        db_index=False,
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
        indexes = [
            models.Index(fields=["user", "read_at", "-id"], name="notification_inbox"),
            # The sweeps find the notifications they have just written by their common timestamp.
            models.Index(fields=["created_at"], name="notification_created"),
        ]

    def __str__(self):
        return self.message


KINDS_HELP = _("留空表示全部类型。")


class WebhookFlavour(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")
    GENERIC = "generic", _("通用 JSON")


class WebhookEndpoint(models.Model):
    """A group chat bot or another system that hears of notifications of one subdistrict."""

    name = models.CharField(_("名称"), max_length=100)
    url = models.URLField(_("接收地址"), max_length=500, help_text=_("企业微信、钉钉群机器人的 Webhook 地址，或其他系统的接收地址。"))
    flavour = models.CharField(_("消息格式"), max_length=20, choices=WebhookFlavour.choices, default=WebhookFlavour.WECOM)
    secret = models.CharField(
        _("签名密钥"),
        max_length=200,
        blank=True,
        help_text=_(
            "钉钉：机器人“加签”的密钥，地址后附 timestamp 与 sign 参数；通用 JSON：以 HMAC-SHA256 对“时间戳.正文”签名，"
            "放在 X-Jiefen-Timestamp 与 X-Jiefen-Signature 请求头中。企业微信不用。"
        ),
    )
    subdistrict = models.ForeignKey(
        "organisation.Area",
        verbose_name=_("街道"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        limit_choices_to={"kind": "subdistrict"},
        help_text=_("只推送该街道的通知；留空表示全部街道。"),
    )
    kinds = models.JSONField(_("通知类型"), default=list, blank=True, help_text=KINDS_HELP)
    is_active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 接收端")
        verbose_name_plural = _("Webhook 接收端")
        ordering = ["name", "id"]

    def __str__(self):
        return self.name


class OutboxChannel(models.TextChoices):
    EMAIL = "email", _("邮件")
    WEBHOOK = "webhook", _("Webhook")


class OutboxStatus(models.TextChoices):
    PENDING = "pending", _("待投递")
    SENDING = "sending", _("投递中")
    SENT = "sent", _("已送达")
    DEAD = "dead", _("投递失败")


class OutboxMessage(models.Model):
    """One delivery of one notification over one channel, written in the notification's
    transaction and sent later by the worker, so a slow or broken receiver never holds up
    the change that caused it and a rolled-back change sends nothing."""

    notification = models.ForeignKey(
        Notification, verbose_name=_("通知"), on_delete=models.CASCADE, related_name="deliveries"
    )
    channel = models.CharField(_("渠道"), max_length=10, choices=OutboxChannel.choices)
    endpoint = models.ForeignKey(
        WebhookEndpoint, verbose_name=_("接收端"), null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    recipient = models.CharField(_("收件地址"), max_length=500, help_text=_("邮箱地址或 Webhook 地址。"))
    payload = models.JSONField(_("消息内容"), default=dict, help_text=_("写入时生成，投递时不再读取通知。"))
    status = models.CharField(
        _("状态"), max_length=10, choices=OutboxStatus.choices, default=OutboxStatus.PENDING, db_default=OutboxStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("投递次数"), default=0, db_default=0)
    next_attempt_at = models.DateTimeField(_("下次投递时间"), default=timezone.now)
    # The worker that holds a row in 投递中 writes its token here; its result is recorded only
    # while the token is still there (a row whose lease ran out may have been taken over).
    claim = models.CharField(_("认领标记"), max_length=32, blank=True, default="", db_default="")
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True, default="", db_default="")
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)

    class Meta:
        verbose_name = _("待发消息")
        verbose_name_plural = _("待发消息")
        ordering = ["-id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]
        constraints = [
            # Enqueueing twice (a sweep re-run, a retried statement) adds nothing.
            models.UniqueConstraint(
                fields=["notification"], condition=models.Q(channel="email"), name="outbox_email_once"
            ),
            models.UniqueConstraint(
                fields=["notification", "endpoint"], condition=models.Q(channel="webhook"), name="outbox_webhook_once"
            ),
        ]

    def __str__(self):
        return f"{self.get_channel_display()} → {self.recipient}"


class NotificationPreference(models.Model):
    """How a user wants to hear of notifications besides the in-app inbox."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("用户"), on_delete=models.CASCADE, related_name="notification_preference"
    )
    email_enabled = models.BooleanField(_("接收邮件提醒"), default=True)
    kinds = models.JSONField(_("邮件提醒的通知类型"), default=list, blank=True, help_text=KINDS_HELP)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("通知偏好")
        verbose_name_plural = _("通知偏好")

    def __str__(self):
        return str(self.user)
