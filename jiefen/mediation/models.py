"""Mediation under the People's Mediation Law (2010) and the MOJ rules of 2002 (DESIGN §6)."""

import uuid
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import Case, Party
from jiefen.common.crypto import EncryptedCharField
from jiefen.organisation.models import Room, Unit


class ConsentDecision(models.TextChoices):
    CONSENT = "consent", _("同意调解")
    REFUSE = "refuse", _("拒绝调解")


class PartyConsent(models.Model):
    """Each party's answer to mediation (Art. 17); the latest row per party is the answer."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="consents")
    party = models.ForeignKey(Party, verbose_name=_("当事人"), on_delete=models.CASCADE, related_name="consents")
    decision = models.CharField(_("意愿"), max_length=10, choices=ConsentDecision.choices)
    method = models.CharField(_("方式"), max_length=50, blank=True, help_text=_("如书面申请、当面口头表示、电话。"))
    note = models.TextField(_("说明"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("调解意愿")
        verbose_name_plural = _("调解意愿")
        ordering = ["id"]


class RightsNotice(models.Model):
    """The rights-and-duties notice served on the parties (MOJ 2002 Art. 30)."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="rights_notice")
    served_at = models.DateTimeField(_("告知时间"))
    method = models.CharField(_("告知方式"), max_length=50, default="书面送达并当场宣读")
    acknowledged_by = models.ManyToManyField(Party, verbose_name=_("签收的当事人"), related_name="+")
    served_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("告知人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("权利义务告知")
        verbose_name_plural = _("权利义务告知")


class PrivacyReason(models.TextChoices):
    PRIVACY = "privacy", _("涉及个人隐私")
    TRADE_SECRET = "trade_secret", _("涉及商业秘密")
    PARTY_REQUEST = "party_request", _("当事人要求不公开")


class MediationPlan(models.Model):
    """Whether mediation is public or private (Art. 23, MOJ Art. 29)."""

    case = models.OneToOneField(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="mediation_plan")
    is_public = models.BooleanField(_("公开调解"), default=False)
    private_reason = models.CharField(_("不公开理由"), max_length=20, choices=PrivacyReason.choices, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("决定人"), on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("决定时间"), auto_now=True)

    class Meta:
        verbose_name = _("调解方式")
        verbose_name_plural = _("调解方式")


class ThirdParty(models.Model):
    """Someone invited to help (Art. 20): only with every party's recorded consent."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="third_parties")
    name = models.CharField(_("姓名"), max_length=50)
    relation = models.CharField(_("身份"), max_length=100, help_text=_("如亲属、邻里、专业人士、人大代表。"))
    phone = EncryptedCharField(_("联系电话"), max_length=30, blank=True)  # personal data: stored encrypted
    consenting_parties = models.ManyToManyField(Party, verbose_name=_("同意邀请的当事人"), related_name="+")
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("邀请人"), on_delete=models.PROTECT, related_name="+")
    invited_at = models.DateTimeField(_("邀请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("邀请参与调解人员")
        verbose_name_plural = _("邀请参与调解人员")


class SessionKind(models.TextChoices):
    INVESTIGATION = "investigation", _("调查")
    MEDIATION = "mediation", _("调解")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("已安排")
    HELD = "held", _("已进行")
    CANCELLED = "cancelled", _("已取消")


class Session(models.Model):
    """A booked sitting; a room and a mediator are never in two overlapping sittings."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="sessions")
    kind = models.CharField(_("类型"), max_length=20, choices=SessionKind.choices, default=SessionKind.MEDIATION)
    room = models.ForeignKey(Room, verbose_name=_("场所"), null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    place = models.CharField(_("地点(不在调解室时)"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    mediators = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), related_name="mediation_sessions")
    status = models.CharField(_("状态"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("预约人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("预约时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("调解会期")
        verbose_name_plural = _("调解会期")
        ordering = ["starts_at", "id"]
        indexes = [models.Index(fields=["room", "starts_at"], name="session_room_start")]


class RecordKind(models.TextChoices):
    INVESTIGATION = "investigation", _("调查记录")
    MEDIATION = "mediation", _("调解记录")


class Record(models.Model):
    """Investigation and mediation records (Art. 27)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="records")
    session = models.ForeignKey(Session, verbose_name=_("会期"), null=True, blank=True, on_delete=models.SET_NULL, related_name="records")
    kind = models.CharField(_("类型"), max_length=20, choices=RecordKind.choices)
    held_at = models.DateTimeField(_("时间"))
    place = models.CharField(_("地点"), max_length=200)
    participants = models.TextField(_("参加人员"))
    statements = models.TextField(_("陈述与调查情况"))
    result = models.TextField(_("结果"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("调查/调解记录")
        verbose_name_plural = _("调查/调解记录")
        ordering = ["held_at", "id"]


def evidence_path(instance, filename):
    suffix = PurePosixPath(filename).suffix.lower()[:10]
    return f"evidence/{instance.case_id}/{uuid.uuid4().hex}{suffix}"


class Evidence(models.Model):
    """An uploaded image or PDF, stored on disk outside the database, served only through
    a view that checks the case is visible to the user."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="evidence")
    record = models.ForeignKey(Record, verbose_name=_("所属记录"), null=True, blank=True, on_delete=models.SET_NULL, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path)
    original_name = models.CharField(_("原文件名"), max_length=200)
    content_type = models.CharField(_("文件类型"), max_length=50)
    size = models.PositiveIntegerField(_("大小(字节)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    description = models.CharField(_("说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("上传人"), on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("上传时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("证据材料")
        verbose_name_plural = _("证据材料")
        ordering = ["id"]


class Agreement(models.Model):
    """A mediation agreement (Art. 28–30, MOJ Art. 35). A written one takes effect when every
    party, the mediator and the committee seal are on it; an oral one is registered."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="agreements")
    form = models.CharField(_("协议形式"), max_length=10, choices=[("written", _("书面协议")), ("oral", _("口头协议"))])
    facts = models.TextField(_("纠纷主要事实"))
    matters_in_dispute = models.TextField(_("争议事项"))
    responsibilities = models.TextField(_("各方责任"), blank=True)
    terms = models.TextField(_("协议内容"))
    committee = models.ForeignKey(Unit, verbose_name=_("人民调解委员会"), on_delete=models.PROTECT, related_name="+")
    mediator = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("调解员"), on_delete=models.PROTECT, related_name="+")
    effective_at = models.DateTimeField(_("生效时间"), null=True, blank=True)
    signed_scan = models.FileField(_("签字盖章扫描件"), upload_to=evidence_path, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("制作人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("制作时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("调解协议")
        verbose_name_plural = _("调解协议")
        ordering = ["id"]

    @property
    def copies(self):
        """Art. 29: one copy for each party and one for the committee."""
        return self.case.parties.count() + 1


class SignerKind(models.TextChoices):
    PARTY = "party", _("当事人")
    MEDIATOR = "mediator", _("调解员")
    COMMITTEE_SEAL = "committee_seal", _("调解委员会印章")


class SignMethod(models.TextChoices):
    SIGNATURE = "signature", _("签名")
    SEAL = "seal", _("盖章")
    FINGERPRINT = "fingerprint", _("按指印")


class AgreementSignature(models.Model):
    agreement = models.ForeignKey(Agreement, verbose_name=_("协议"), on_delete=models.CASCADE, related_name="signatures")
    signer_kind = models.CharField(_("签署方"), max_length=20, choices=SignerKind.choices)
    party = models.ForeignKey(Party, verbose_name=_("当事人"), null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    method = models.CharField(_("方式"), max_length=20, choices=SignMethod.choices)
    signed_at = models.DateTimeField(_("签署时间"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("记录人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("协议签署")
        verbose_name_plural = _("协议签署")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "party"], condition=models.Q(party__isnull=False), name="signature_once_per_party"),
            models.UniqueConstraint(fields=["agreement", "signer_kind"], condition=models.Q(party__isnull=True), name="signature_once_per_role"),
        ]


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("待履行")
    PERFORMED = "performed", _("已履行")
    OVERDUE = "overdue", _("逾期未履行")


class PerformanceItem(models.Model):
    """One obligation of an agreement: what, who, how, by when, where (MOJ Art. 35)."""

    agreement = models.ForeignKey(Agreement, verbose_name=_("协议"), on_delete=models.CASCADE, related_name="items")
    what = models.CharField(_("履行事项"), max_length=300)
    obligor = models.ForeignKey(Party, verbose_name=_("履行人"), on_delete=models.PROTECT, related_name="+")
    how = models.CharField(_("履行方式"), max_length=200)
    due_date = models.DateField(_("履行期限"))
    place = models.CharField(_("履行地点"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ItemStatus.choices, default=ItemStatus.PENDING)
    performed_on = models.DateField(_("履行日期"), null=True, blank=True)
    evidence = models.ForeignKey(Evidence, verbose_name=_("履行凭证"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reminded_on = models.DateField(_("提醒日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("履行事项")
        verbose_name_plural = _("履行事项")
        ordering = ["due_date", "id"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="item_status_due"),
            # Items not performed by a day, for the statistics' performance rate.
            models.Index(fields=["status", "performed_on"], name="item_status_performed"),
        ]


class ConfirmationOutcome(models.TextChoices):
    PENDING = "pending", _("审查中")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    CONFIRMED = "confirmed", _("确认有效")
    REJECTED = "rejected", _("驳回申请")
    WITHDRAWN = "withdrawn", _("撤回申请")


class JudicialConfirmation(models.Model):
    """A joint application to the court to confirm an agreement (Art. 33)."""

    agreement = models.OneToOneField(Agreement, verbose_name=_("协议"), on_delete=models.CASCADE, related_name="confirmation")
    court = models.ForeignKey(Unit, verbose_name=_("人民法院/法庭"), on_delete=models.PROTECT, related_name="+")
    applied_on = models.DateField(_("申请日期"))
    applicants = models.ManyToManyField(Party, verbose_name=_("共同申请人"), related_name="+")
    accepted_on = models.DateField(_("受理日期"), null=True, blank=True)
    decided_on = models.DateField(_("裁定日期"), null=True, blank=True)
    extended = models.BooleanField(_("经院长批准延长10日"), default=False)
    outcome = models.CharField(_("结果"), max_length=20, choices=ConfirmationOutcome.choices, default=ConfirmationOutcome.PENDING)
    ruling_number = models.CharField(_("裁定书文号"), max_length=60, blank=True)
    note = models.TextField(_("说明"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("司法确认")
        verbose_name_plural = _("司法确认")
        indexes = [models.Index(fields=["decided_on"], name="confirmation_decided")]  # the statistics of a period


class Satisfaction(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    FAIRLY = "fairly", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class PerformanceFinding(models.TextChoices):
    PERFORMED = "performed", _("已全部履行")
    PARTIAL = "partial", _("部分履行")
    NOT_PERFORMED = "not_performed", _("未履行")


class ReturnVisit(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="return_visits")
    party = models.ForeignKey(Party, verbose_name=_("回访对象"), on_delete=models.PROTECT, related_name="+")
    visited_on = models.DateField(_("回访日期"))
    method = models.CharField(_("回访方式"), max_length=50, default="上门回访")
    performance = models.CharField(_("协议履行情况"), max_length=20, choices=PerformanceFinding.choices)
    satisfaction = models.CharField(_("满意度"), max_length=20, choices=Satisfaction.choices)
    hidden_risk = models.TextField(_("矛盾隐患"), blank=True)
    measures = models.TextField(_("采取措施"), blank=True)
    dispute_back = models.BooleanField(_("纠纷复发"), default=False)
    visited_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("回访人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("回访记录")
        verbose_name_plural = _("回访记录")
        ordering = ["visited_on", "id"]


class ReferralDirection(models.TextChoices):
    IN = "in", _("移入")
    OUT = "out", _("移出")


class ReferralKind(models.TextChoices):
    COURT = "court", _("诉调对接")
    POLICE = "police", _("警调对接")
    PETITION = "petition", _("访调对接")
    OTHER = "other", _("其他")


class Referral(models.Model):
    """A hand-over with a counterpart (Art. 18): courts, police and petition offices."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="referrals")
    direction = models.CharField(_("方向"), max_length=5, choices=ReferralDirection.choices)
    kind = models.CharField(_("对接类型"), max_length=20, choices=ReferralKind.choices)
    counterpart = models.ForeignKey(Unit, verbose_name=_("对接单位"), null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    counterpart_name = models.CharField(_("对接单位名称"), max_length=100, blank=True)
    sent_on = models.DateField(_("移送/接收日期"))
    feedback_due = models.DateField(_("反馈期限"), null=True, blank=True)
    feedback_on = models.DateField(_("反馈日期"), null=True, blank=True)
    feedback = models.TextField(_("反馈情况"), blank=True)
    reason = models.TextField(_("事由"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("登记人"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("对接移送")
        verbose_name_plural = _("对接移送")
        ordering = ["id"]


class PoliceReport(models.Model):
    """A report to the police of a risk of a public-security or criminal case (Art. 25)."""

    case = models.ForeignKey(Case, verbose_name=_("案件"), on_delete=models.CASCADE, related_name="police_reports")
    police_station = models.ForeignKey(Unit, verbose_name=_("报告的派出所"), on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(_("报告时间"))
    risk_description = models.TextField(_("风险情况"))
    measures = models.TextField(_("已采取的措施"), blank=True)
    referral = models.OneToOneField(Referral, verbose_name=_("警调对接记录"), on_delete=models.PROTECT, related_name="police_report")
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("报告人"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = _("民转刑风险报告")
        verbose_name_plural = _("民转刑风险报告")
