"""Forms of the agreement section of the case page (agreements, signatures, performance,
judicial confirmation, return visits). They parse and type-check; the rules stay in the
services, whose errors come back next to the fields they name."""

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Unit, UnitKind
from jiefen.web.display import url_path
from jiefen.web.forms import DATE_ERROR, DateInput, closed_panel_form

from .models import ConfirmationOutcome, PerformanceFinding, Satisfaction, SignerKind, SignMethod
from .services.aftercare import METHODS

DATETIME_ERROR = _("时间格式应为“年-月-日 时:分”，例如 2026-03-01 09:30。")
ITEM_ROWS = 3


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _date(label, *, required=True, initial=None):
    return forms.DateField(
        label=label, required=required, initial=initial, widget=DateInput(), error_messages={"invalid": DATE_ERROR}
    )


def _text(label, rows=2, *, required=False, help_text=""):
    return forms.CharField(label=label, required=required, help_text=help_text, widget=forms.Textarea(attrs={"rows": rows}))


class PartyChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class PartiesChoice(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.get_role_display()}）"


class AgreementPanelForm(forms.Form):
    """A form of the agreement section for one case; `op` names the view that takes it and
    `row` the agreement, item or confirmation it is about (if any)."""

    op = ""
    title = ""

    @property
    def dom_id(self):
        return self.dom_id_of(self.row)

    @classmethod
    def dom_id_of(cls, row=None):
        return f"ag-{cls.op}-{row}" if row else f"ag-{cls.op}"

    def __init__(self, *args, case, user, row=None, **kwargs):
        kwargs.setdefault("auto_id", f"id_ag{self.op}{row or ''}_%s")
        super().__init__(*args, **kwargs)
        self.case, self.user, self.row = case, user, row
        self.setup()

    def setup(self):
        pass

    @classmethod
    def closed(cls, case_id, row=None):
        """The form as the case page shows it until it is opened (see closed_form)."""
        if row:
            fields_url = url_path("agreements:fields_row", case_id, cls.op, row)
            action_url = url_path("agreements:act_row", case_id, cls.op, row)
        else:
            fields_url = url_path("agreements:fields", case_id, cls.op)
            action_url = url_path("agreements:act", case_id, cls.op)
        return closed_panel_form(
            cls,
            case_id=case_id,
            dom_id=cls.dom_id_of(row),
            details_class=f"action action-ag-{cls.op}",
            fields_url=fields_url,
            action_url=action_url,
            row=row,
        )

    def service_field(self, key):
        """The form field a service error key names (the services' argument names)."""
        return key if key in self.fields else None


class DraftForm(AgreementPanelForm):
    op = "draft"
    title = _("制作调解协议")
    form = forms.ChoiceField(
        label=_("协议形式"),
        choices=[("written", _("书面协议")), ("oral", _("口头协议"))],
        initial="written",
        widget=forms.RadioSelect,
        help_text=_("当事人认为无需制作协议书的，可采用口头协议，由调解员记录协议内容（《人民调解法》第二十八条）。"),
    )
    facts = _text(_("纠纷主要事实"), 3, required=True)
    matters_in_dispute = _text(_("争议事项"), 2, required=True)
    responsibilities = _text(_("各方责任"), 2, help_text=_("书面协议必填。"))
    terms = _text(_("协议内容"), 3, required=True)

    def setup(self):
        parties = self.case.parties.all()
        for index in range(ITEM_ROWS):
            prefix = f"items-{index}-"
            first = index == 0
            self.fields[prefix + "what"] = forms.CharField(label=_("履行事项%(n)s") % {"n": index + 1}, required=False, max_length=300)
            self.fields[prefix + "obligor_party_id"] = PartyChoice(
                label=_("履行人"), queryset=parties, required=False, empty_label=_("请选择当事人")
            )
            self.fields[prefix + "how"] = forms.CharField(label=_("履行方式"), required=False, max_length=200)
            self.fields[prefix + "due_date"] = _date(_("履行期限"), required=False)
            self.fields[prefix + "place"] = forms.CharField(label=_("履行地点"), required=False, max_length=200)
            if first:
                self.fields[prefix + "what"].help_text = _("每项写明由谁、以何种方式、在何时、何地履行；不用的行留空。")
        self.item_rows = [
            [self[f"items-{index}-{name}"] for name in ("what", "obligor_party_id", "how", "due_date", "place")]
            for index in range(ITEM_ROWS)
        ]

    @property
    def scalar_fields(self):
        return [self[name] for name in ("form", "facts", "matters_in_dispute", "responsibilities", "terms")]

    def items(self):
        """The filled rows as the service takes them, and for each its row on the form."""
        rows, positions = [], []
        for index in range(ITEM_ROWS):
            values = {name: self.cleaned_data.get(f"items-{index}-{name}") for name in ("what", "obligor_party_id", "how", "due_date", "place")}
            if any(values.values()):
                values["obligor_party_id"] = values["obligor_party_id"].pk if values["obligor_party_id"] else None
                rows.append(values)
                positions.append(index)
        self.positions = positions
        return rows

    def service_field(self, key):
        if key.startswith("items-"):
            _items, position, name = key.split("-", 2)
            positions = getattr(self, "positions", [])
            index = positions[int(position)] if int(position) < len(positions) else 0
            key = f"items-{index}-{name}"
        return key if key in self.fields else None


class SignForm(AgreementPanelForm):
    op = "sign"
    title = _("登记签署")
    signer = forms.ChoiceField(label=_("签署方"))
    method = forms.ChoiceField(label=_("方式"), choices=SignMethod.choices, widget=forms.RadioSelect, initial=SignMethod.SIGNATURE)
    signed_at = forms.DateTimeField(
        label=_("签署时间"), required=False, widget=DateTimeInput(), error_messages={"invalid": DATETIME_ERROR},
        help_text=_("不填为现在。"),
    )

    def setup(self):
        choices = [("", _("请选择"))]
        choices += [(f"party:{p.pk}", _("当事人 %(name)s") % {"name": p.name}) for p in self.case.parties.all()]
        choices += [(SignerKind.MEDIATOR, _("调解员签名")), (SignerKind.COMMITTEE_SEAL, _("调解委员会盖章"))]
        self.fields["signer"].choices = choices

    def signer_arguments(self):
        value = self.cleaned_data["signer"]
        if value.startswith("party:"):
            return {"signer_kind": SignerKind.PARTY, "party_id": int(value.split(":", 1)[1])}
        return {"signer_kind": value, "party_id": None}

    def service_field(self, key):
        return {"signer_kind": "signer", "party_id": "signer"}.get(key, key if key in self.fields else None)


class OralForm(AgreementPanelForm):
    op = "register_oral"
    title = _("登记口头协议")


class ScanForm(AgreementPanelForm):
    op = "scan"
    title = _("上传签字盖章扫描件")
    file = forms.FileField(label=_("扫描件（PDF、JPEG或PNG）"))


class MarkForm(AgreementPanelForm):
    op = "mark"
    title = _("登记已履行")
    performed_on = _date(_("履行日期"))
    note = forms.CharField(label=_("说明"), required=False, max_length=300)

    def setup(self):
        self.fields["performed_on"].initial = timezone.localdate()


class ApplyForm(AgreementPanelForm):
    op = "jc_apply"
    title = _("登记司法确认申请")
    court_id = forms.ModelChoiceField(label=_("人民法庭"), queryset=Unit.objects.none(), empty_label=_("请选择人民法庭"))
    applied_on = _date(_("申请日期"))
    applicant_party_ids = PartiesChoice(label=_("共同申请人"), queryset=None, help_text=_("须由双方当事人共同申请。"))

    def setup(self):
        case = self.case
        self.fields["court_id"].queryset = Unit.objects.filter(kind=UnitKind.PEOPLES_TRIBUNAL, is_active=True).filter(
            Q(area_id=case.subdistrict_id) | Q(area__subdistrict_id=case.subdistrict_id)
        )
        self.fields["applicant_party_ids"].queryset = case.parties.all()
        self.fields["applicant_party_ids"].initial = list(case.parties.values_list("pk", flat=True))
        self.fields["applied_on"].initial = timezone.localdate()


class CourtForm(AgreementPanelForm):
    op = "jc_update"
    title = _("登记法院审查情况")
    accepted_on = _date(_("受理日期"), required=False)
    extended = forms.BooleanField(label=_("经院长批准延长10日"), required=False)
    decided_on = _date(_("裁定/决定日期"), required=False)
    outcome = forms.ChoiceField(label=_("结果"), choices=ConfirmationOutcome.choices)
    ruling_number = forms.CharField(label=_("裁定书文号"), required=False, max_length=60)
    note = forms.CharField(label=_("说明"), required=False, max_length=300)


class VisitForm(AgreementPanelForm):
    op = "visit"
    title = _("登记回访")
    party_id = PartyChoice(label=_("回访对象"), queryset=None, empty_label=_("请选择当事人"))
    visited_on = _date(_("回访日期"))
    method = forms.ChoiceField(label=_("回访方式"), choices=[(m, m) for m in METHODS])
    performance = forms.ChoiceField(label=_("协议履行情况"), choices=PerformanceFinding.choices, widget=forms.RadioSelect)
    satisfaction = forms.ChoiceField(label=_("满意度"), choices=Satisfaction.choices, widget=forms.RadioSelect)
    hidden_risk = _text(_("矛盾隐患"))
    measures = _text(_("采取措施"))
    dispute_back = forms.BooleanField(label=_("纠纷复发（将登记复发案件）"), required=False)

    def setup(self):
        self.fields["party_id"].queryset = self.case.parties.all()
        self.fields["visited_on"].initial = timezone.localdate()


FORMS = {form.op: form for form in (DraftForm, SignForm, OralForm, ScanForm, MarkForm, ApplyForm, CourtForm, VisitForm)}
# Forms about one row: the agreement, the item or the confirmation named in the URL.
ROW_FORMS = {"sign": "agreement", "register_oral": "agreement", "scan": "agreement", "mark": "item", "jc_apply": "agreement", "jc_update": "confirmation"}
