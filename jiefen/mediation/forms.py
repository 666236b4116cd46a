"""Forms of the mediation panel. They parse and type-check input; the rules stay in the
services, whose errors come back next to the fields they name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.web.display import url_path
from jiefen.web.forms import DATE_ERROR, DateInput, closed_panel_form

from .models import ConsentDecision, PrivacyReason, RecordKind, ReferralDirection, ReferralKind, SessionKind
from .services import preparation, sittings

DATETIME_ERROR = _("时间格式应为“年-月-日 时:分”，例如 2026-03-01 09:30。")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _datetime(label, *, required=True):
    return forms.DateTimeField(label=label, required=required, widget=DateTimeInput(), error_messages={"invalid": DATETIME_ERROR})


def _date(label, *, required=True):
    return forms.DateField(label=label, required=required, widget=DateInput(), error_messages={"invalid": DATE_ERROR})


class PartyChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class PartiesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class MediatorsField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class PanelForm(forms.Form):
    """A form of the panel for one case; `op` names the view that takes it."""

    op = ""
    title = ""

    def __init__(self, *args, case, user, **kwargs):
        kwargs.setdefault("auto_id", f"id_m{self.op}_%s")
        super().__init__(*args, **kwargs)
        self.case, self.user = case, user
        self.setup()

    def setup(self):
        pass

    @classmethod
    def closed(cls, case_id):
        """The form as the case page shows it until it is opened (see closed_form)."""
        return closed_panel_form(
            cls,
            case_id=case_id,
            dom_id=f"m-{cls.op}",
            details_class=f"action action-m-{cls.op}",
            fields_url=url_path("mediation:fields", case_id, cls.op),
            action_url=url_path("mediation:act", case_id, cls.op),
        )


class ConsentForm(PanelForm):
    op = "consent"
    title = _("登记调解意愿")
    party = PartyChoiceField(label=_("当事人"), queryset=None, empty_label=_("请选择当事人"))
    decision = forms.ChoiceField(label=_("意愿"), choices=ConsentDecision.choices, widget=forms.RadioSelect)
    method = forms.CharField(label=_("方式"), required=False, max_length=50, help_text=_("如书面申请、当面口头表示、电话。"))
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self):
        self.fields["party"].queryset = self.case.parties.all()


class NoticeForm(PanelForm):
    op = "notice"
    title = _("送达权利义务告知书")
    parties = PartiesField(label=_("签收的当事人"), queryset=None)
    served_at = _datetime(_("告知时间"), required=False)
    method = forms.CharField(label=_("告知方式"), required=False, max_length=50, initial="书面送达并当场宣读")

    def setup(self):
        self.fields["parties"].queryset = self.case.parties.all()
        self.fields["served_at"].help_text = _("不填则为现在。")


class PlanForm(PanelForm):
    op = "plan"
    title = _("决定调解方式")
    is_public = forms.TypedChoiceField(
        label=_("调解方式"),
        choices=[("0", _("不公开调解")), ("1", _("公开调解"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
        initial="0",
    )
    private_reason = forms.ChoiceField(label=_("不公开理由"), required=False, choices=[("", "—"), *PrivacyReason.choices])


class ThirdPartyForm(PanelForm):
    op = "third_party"
    title = _("邀请人员参与调解")
    name = forms.CharField(label=_("姓名"), max_length=50)
    relation = forms.CharField(label=_("身份"), max_length=100, help_text=_("如亲属、邻里、专业人士、人大代表。"))
    phone = forms.CharField(label=_("联系电话"), required=False, max_length=30, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    consenting_parties = PartiesField(label=_("同意邀请的当事人"), queryset=None, required=False, help_text=_("须经全部当事人同意。"))

    def setup(self):
        self.fields["consenting_parties"].queryset = self.case.parties.all()


class SessionForm(PanelForm):
    op = "session"
    title = _("安排会期")
    kind = forms.ChoiceField(label=_("类型"), choices=SessionKind.choices, widget=forms.RadioSelect, initial=SessionKind.INVESTIGATION)
    starts_at = _datetime(_("开始时间"))
    ends_at = _datetime(_("结束时间"))
    room = forms.ModelChoiceField(label=_("场所"), queryset=None, required=False, empty_label=_("不在调解室（填写地点）"))
    place = forms.CharField(label=_("地点(不在调解室时)"), required=False, max_length=200)
    mediators = MediatorsField(label=_("调解员"), queryset=None, required=False)

    def setup(self):
        self.fields["room"].queryset = sittings.rooms_for(self.case)
        self.fields["mediators"].queryset = sittings.mediators_for(self.case, self.user).order_by("first_name", "username")
        if self.case.mediator_id:
            self.fields["mediators"].initial = [self.case.mediator_id]


class SessionCancelForm(PanelForm):
    op = "session_cancel"
    title = _("取消会期")
    reason = forms.CharField(label=_("取消原因"), required=False, max_length=300)


class SessionHeldForm(PanelForm):
    op = "session_held"
    title = _("标记为已进行")


class RecordForm(PanelForm):
    op = "record"
    title = _("制作调查/调解记录")
    kind = forms.ChoiceField(label=_("类型"), choices=RecordKind.choices, widget=forms.RadioSelect, initial=RecordKind.INVESTIGATION)
    session = forms.ModelChoiceField(label=_("会期"), queryset=None, required=False, empty_label=_("不关联会期"))
    held_at = _datetime(_("时间"))
    place = forms.CharField(label=_("地点"), max_length=200)
    participants = forms.CharField(label=_("参加人员"), widget=forms.Textarea(attrs={"rows": 2}))
    statements = forms.CharField(label=_("陈述与调查情况"), widget=forms.Textarea(attrs={"rows": 5}))
    result = forms.CharField(label=_("结果"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self):
        from .models import Session, SessionStatus

        field = self.fields["session"]
        field.queryset = Session.objects.filter(case=self.case).exclude(status=SessionStatus.CANCELLED)
        field.label_from_instance = lambda s: f"{s.get_kind_display()} {s.starts_at:%Y-%m-%d %H:%M}"


class EvidenceForm(PanelForm):
    op = "evidence"
    title = _("上传证据材料")
    file = forms.FileField(
        label=_("文件"),
        help_text=_("JPEG、PNG 图片或 PDF，最大 10 MB。"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,application/pdf"}),
    )
    description = forms.CharField(label=_("说明"), required=False, max_length=200)
    record = forms.ModelChoiceField(label=_("所属记录"), queryset=None, required=False, empty_label=_("不关联记录"))

    def setup(self):
        from .models import Record

        field = self.fields["record"]
        field.queryset = Record.objects.filter(case=self.case)
        field.label_from_instance = lambda r: f"{r.get_kind_display()} {r.held_at:%Y-%m-%d %H:%M}"
        limit = sittings.max_upload_bytes() / 1048576
        self.fields["file"].help_text = _("JPEG、PNG 图片或 PDF，最大 %(limit).0f MB。") % {"limit": limit}


class ReferralForm(PanelForm):
    op = "referral"
    title = _("登记对接移送")
    direction = forms.ChoiceField(label=_("方向"), choices=ReferralDirection.choices, widget=forms.RadioSelect, initial=ReferralDirection.IN)
    kind = forms.ChoiceField(label=_("对接类型"), choices=ReferralKind.choices)
    counterpart = forms.ModelChoiceField(label=_("对接单位"), queryset=None, required=False, empty_label=_("不在列表中（填写名称）"))
    counterpart_name = forms.CharField(label=_("对接单位名称"), required=False, max_length=100)
    sent_on = _date(_("移送/接收日期"))
    feedback_due = _date(_("反馈期限"), required=False)
    reason = forms.CharField(label=_("事由"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def setup(self):
        self.fields["counterpart"].queryset = preparation.counterpart_units(self.case)


class FeedbackForm(PanelForm):
    op = "feedback"
    title = _("登记反馈")
    feedback_on = _date(_("反馈日期"))
    feedback = forms.CharField(label=_("反馈情况"), widget=forms.Textarea(attrs={"rows": 2}))


class PoliceReportForm(PanelForm):
    op = "police"
    title = _("报告民转刑风险")
    police_station = forms.ModelChoiceField(label=_("报告的派出所"), queryset=None, empty_label=_("请选择派出所"))
    risk_description = forms.CharField(label=_("风险情况"), widget=forms.Textarea(attrs={"rows": 3}))
    measures = forms.CharField(label=_("已采取的措施"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    reported_at = _datetime(_("报告时间"), required=False)
    feedback_due = _date(_("反馈期限"), required=False)

    def setup(self):
        self.fields["police_station"].queryset = preparation.counterpart_units(self.case, ReferralKind.POLICE)
        self.fields["reported_at"].help_text = _("不填则为现在。")


FORMS = {form.op: form for form in (
    ConsentForm, NoticeForm, PlanForm, ThirdPartyForm, SessionForm, SessionCancelForm, SessionHeldForm,
    RecordForm, EvidenceForm, ReferralForm, FeedbackForm, PoliceReportForm,
)}
# Forms about one row of the panel (a session, a referral): the row's id is in the URL.
ROW_FORMS = {"session_cancel", "session_held", "feedback"}
