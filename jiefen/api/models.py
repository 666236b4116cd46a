"""Personal API tokens and their audit log.

Only a SHA-256 hash of a token's secret is stored: a leaked database copy yields no usable
token, and the full token is shown to its owner once, when it is created. The secret is 40
random URL-safe characters (240 bits), so an unsalted fast hash is enough — there is nothing
to brute-force the way there is with a password."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("所属用户"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("名称"), max_length=60, help_text=_("用途说明，如“区级平台对接”。"))
    prefix = models.CharField(_("令牌前缀"), max_length=12, help_text=_("令牌的前几位，用于辨认，不足以登录。"))
    key_hash = models.CharField(_("令牌摘要"), max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("吊销人"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "revoked_at"], name="api_token_user_active")]

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self):
        return self.revoked_at is None


class TokenEventKind(models.TextChoices):
    CREATED = "created", _("创建")
    REVOKED = "revoked", _("吊销")


class ApiTokenEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("API token events are append-only.")

    def delete(self):
        raise TypeError("API token events are append-only.")


class ApiTokenEvent(models.Model):
    """Append-only audit of who created and revoked which token, and when."""

    token = models.ForeignKey(ApiToken, verbose_name=_("令牌"), on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=20, choices=TokenEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    data = models.JSONField(_("数据"), default=dict, blank=True)

    objects = ApiTokenEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("接口令牌记录")
        verbose_name_plural = _("接口令牌记录")
        ordering = ["id"]

    def __str__(self):
        return f"{self.token_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("API token events are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("API token events are append-only.")
