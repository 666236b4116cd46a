from django import forms
from django.db.models import Case as Switch, IntegerField, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.organisation.models import Area, AreaKind, Room, RoomKind, Unit, UnitKind
from jiefen.web.display import url_path
from jiefen.web.forms import closed_panel_form

from .access import units_recordable_by
from .models import Programme


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class ActivityForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("组织单位"), queryset=Unit.objects.none(), empty_label=_("请选择组织单位"))
    programme = forms.ModelChoiceField(label=_("项目"), queryset=Programme.objects.filter(is_active=True), empty_label=_("请选择项目"))
    title = forms.CharField(label=_("活动名称"), max_length=120, widget=forms.TextInput(attrs={"placeholder": _("如：重阳节敬老慰问")}))
    day = forms.DateField(label=_("活动日期"), widget=DateInput())
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Area.objects.none(), required=False, empty_label=_("全街道"))
    place = forms.CharField(label=_("活动地点"), max_length=120, required=False)
    participants = forms.IntegerField(label=_("参与人数"), min_value=0, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    households_reached = forms.IntegerField(label=_("覆盖户数"), min_value=0, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    volunteers = forms.IntegerField(label=_("志愿者人数"), min_value=0, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    description = forms.CharField(label=_("活动情况"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        units = units_recordable_by(user).select_related("area")
        # Social organisations first: they run most of this work.
        self.fields["unit"].queryset = units.annotate(
            first=Switch(When(kind=UnitKind.SOCIAL_ORGANISATION, then=Value(0)), default=Value(1), output_field=IntegerField())
        ).order_by("first", "area__sort_order", "id")
        subdistricts = set()
        for area_id, kind, sub_id in units.values_list("area_id", "area__kind", "area__subdistrict_id"):
            subdistricts.add(area_id if kind == AreaKind.SUBDISTRICT else sub_id)
        self.fields["village"].queryset = Area.objects.filter(
            kind__in=[AreaKind.VILLAGE, AreaKind.COMMUNITY], subdistrict_id__in=subdistricts
        ).order_by("sort_order", "id")
        self.fields["day"].initial = timezone.localdate()


class ReferralForm(forms.Form):
    title = _("转介心理疏导")
    op = "refer"

    party = forms.ModelChoiceField(label=_("当事人"), queryset=None, empty_label=_("请选择当事人"))
    reason = forms.CharField(label=_("转介原因"), widget=forms.Textarea(attrs={"rows": 2}))
    room = forms.ModelChoiceField(label=_("心理咨询室"), queryset=Room.objects.none(), required=False, empty_label=_("暂不指定"))

    @classmethod
    def closed(cls, case_id):
        """The form as the case page shows it until it is opened (see closed_form)."""
        return closed_panel_form(
            cls,
            case_id=case_id,
            dom_id="counselling",
            details_class=None,
            summary_class="btn btn-small",
            fields_url=url_path("prevention:referral_fields", case_id),
            action_url=url_path("prevention:referral_new", case_id),
        )

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["party"].queryset = case.parties.all()
        sub = case.subdistrict_id
        self.fields["room"].queryset = Room.objects.filter(kind=RoomKind.COUNSELLING).filter(
            unit__area__in=Area.objects.filter(id=sub) | Area.objects.filter(subdistrict_id=sub)
        ).select_related("unit")


class StepForm(forms.Form):
    note = forms.CharField(label=_("说明"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, title="", op="", **kwargs):
        super().__init__(*args, **kwargs)
        self.title = title
        self.op = op
