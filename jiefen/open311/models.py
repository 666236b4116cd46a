"""Open311 GeoReport v2 intake: the client systems allowed to submit, and what each submitted."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.common.crypto import EncryptedCharField
from jiefen.organisation.models import Area


class Open311Client(models.Model):
    """A system (a hotline, an app, a website) that submits disputes through the Open311 API.

    Only a hash of its api_key is kept; the key itself is shown once when the client is created.
    Cases it submits are registered on behalf of its intake user, a service account with the
    centre-staff role in the client's subdistrict, so they go through the normal intake and the
    case's history names who registered them.
    """

    name = models.CharField(_("名称"), max_length=100, unique=True)
    subdistrict = models.ForeignKey(
        Area,
        verbose_name=_("街道(辖区)"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"kind": "subdistrict"},
    )
    intake_user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("登记账号"),
        on_delete=models.PROTECT,
        related_name="open311_client",
        help_text=_("以该服务账号的名义登记案件；该账号不能登录。"),
    )
    # The first characters of the key find the row; the hash is then compared in constant time.
    key_prefix = models.CharField(_("密钥前缀"), max_length=8, db_index=True, editable=False)
    key_hash = models.CharField(_("密钥摘要"), max_length=64, editable=False)
    is_active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("最近提交时间"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Open311 接入方")
        verbose_name_plural = _("Open311 接入方")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Open311Request(models.Model):
    """One service request received through Open311; its service_request_id is the case number."""

    client = models.ForeignKey(Open311Client, verbose_name=_("接入方"), on_delete=models.PROTECT, related_name="requests")
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("案件"), on_delete=models.PROTECT, related_name="open311_request"
    )
    token = models.UUIDField(_("令牌"), default=uuid.uuid4, unique=True, editable=False)
    service_code = models.CharField(_("服务代码"), max_length=40)
    jurisdiction_id = models.CharField(_("辖区标识"), max_length=100, blank=True)
    first_name = models.CharField(_("名"), max_length=50, blank=True)
    last_name = models.CharField(_("姓"), max_length=50, blank=True)
    phone = EncryptedCharField(_("电话"), max_length=30, blank=True)  # personal data: stored encrypted
    email = models.EmailField(_("电子邮箱"), blank=True)
    device_id = models.CharField(_("设备标识"), max_length=200, blank=True)
    account_id = models.CharField(_("账户标识"), max_length=200, blank=True)
    media_url = models.URLField(_("媒体链接"), max_length=500, blank=True)
    address_string = models.CharField(_("地址描述"), max_length=500, blank=True)
    address_id = models.CharField(_("地址编号"), max_length=100, blank=True)
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("经度"), max_digits=9, decimal_places=6, null=True, blank=True)
    attributes = models.JSONField(_("附加属性(原始)"), default=dict, blank=True)
    created_at = models.DateTimeField(_("接收时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("Open311 诉求")
        verbose_name_plural = _("Open311 诉求")
        ordering = ["-id"]
        indexes = [models.Index(fields=["client", "-created_at"], name="open311_client_created")]

    def __str__(self):
        return f"{self.case_id} · {self.client}"
