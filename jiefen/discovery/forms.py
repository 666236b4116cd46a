"""Forms of the discovery pages. They parse input; the rules stay in the services."""

import re
from datetime import timedelta

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.cases.selectors import cases_visible_to
from jiefen.organisation.models import VILLAGE_LEVEL, Area, AreaKind, Person, Role, Room

from .access import villages_for_reading
from .models import RECEPTION, FieldVisitKind, ReceptionOutcome
from .selectors import leader_choices

NUMBER_SPLIT = re.compile(r"[\s,，、;；]+")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PeopleField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.name


class PlaceChoiceField(forms.ModelChoiceField):
    """A grid or compound shown with its village, since the list may span several villages."""

    def label_from_instance(self, obj):
        return f"{obj.village.name} · {obj.name}" if obj.village_id else obj.name


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.unit.name} · {obj.name}"


def _numbers(text):
    return [n for n in NUMBER_SPLIT.split(text or "") if n]


def cases_by_numbers(user, text, subdistrict_id):
    """(cases the user may see with these numbers, numbers not found)."""
    numbers = _numbers(text)
    if not numbers:
        return [], []
    found = list(cases_visible_to(user).filter(number__in=numbers, subdistrict_id=subdistrict_id))
    missing = sorted(set(numbers) - {c.number for c in found})
    return found, missing


# ---------------------------------------------------------------- the rota


class SlotForm(forms.Form):
    leader = PersonChoiceField(label=_("接访领导"), queryset=Person.objects.none())
    date = forms.DateField(label=_("接访日期"), widget=DateInput())
    start_time = forms.TimeField(label=_("开始时间"), widget=TimeInput(), initial="09:00")
    end_time = forms.TimeField(label=_("结束时间"), widget=TimeInput(), initial="11:30")
    room = RoomChoiceField(label=_("接访场所"), queryset=Room.objects.none(), required=False, empty_label=_("不选择，填写地点"))
    place = forms.CharField(label=_("接访地点"), max_length=100, required=False, help_text=_("选了场所可不填，默认为场所位置。"))
    note = forms.CharField(label=_("备注"), max_length=200, required=False)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, subdistrict, **kwargs):
        super().__init__(*args, **kwargs)
        self.subdistrict = subdistrict
        self.fields["leader"].queryset = leader_choices([subdistrict.id])
        self.fields["leader"].empty_label = _("请选择领导")
        self.fields["room"].queryset = (
            Room.objects.filter(Q(unit__area=subdistrict) | Q(unit__area__subdistrict=subdistrict))
            .select_related("unit")
            .order_by("unit__area__sort_order", "unit_id", "id")
        )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VisitorForm(forms.Form):
    visitor_name = forms.CharField(label=_("来访人"), max_length=50)
    phone = forms.CharField(label=_("联系电话"), max_length=30, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    visitors_count = forms.IntegerField(label=_("来访人数"), min_value=1, max_value=500, initial=1)
    village = forms.ModelChoiceField(label=_("所属村(社区)"), queryset=Area.objects.none(), required=False, empty_label=_("街道外或不详"))
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    matter = forms.CharField(label=_("反映事项"), widget=forms.Textarea(attrs={"rows": 3}))
    handling = forms.CharField(label=_("处理情况"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    outcome = forms.ChoiceField(
        label=_("处理结果"),
        choices=[c for c in ReceptionOutcome.choices if c[0] != ReceptionOutcome.CASE],
        initial=ReceptionOutcome.ANSWERED,
        help_text=_("需要调解的，保存后点“据此登记案件”。"),
    )
    follow_up = forms.CharField(label=_("后续跟进"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, subdistrict, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = Area.objects.filter(subdistrict=subdistrict, kind__in=VILLAGE_LEVEL).order_by("sort_order", "id")


# ---------------------------------------------------------------- field work


def participant_choices(villages):
    """Who may have been out with the recorder: people of the units of these villages and of
    their subdistricts, and the villages' grid workers."""
    village_ids = list(villages.values_list("id", flat=True))
    sub_ids = list(villages.values_list("subdistrict_id", flat=True).distinct())
    in_units = Q(roles__unit__area_id__in=village_ids) | Q(roles__unit__area_id__in=sub_ids)
    grid_workers = Q(roles__role=Role.GRID_WORKER, roles__area__village_id__in=village_ids)
    return Person.objects.filter(is_active=True).filter(in_units | grid_workers).distinct().order_by("id")


class FieldVisitForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), widget=forms.RadioSelect)
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Area.objects.none())
    grid = PlaceChoiceField(label=_("网格"), queryset=Area.objects.none(), required=False, empty_label=_("不限"))
    compound = PlaceChoiceField(label=_("小区/村民小组"), queryset=Area.objects.none(), required=False, empty_label=_("不限"))
    address = forms.CharField(label=_("地点"), max_length=200, required=False, widget=forms.TextInput(attrs={"placeholder": _("如：东村3组12号一带")}))
    route = forms.CharField(label=_("巡逻路线"), max_length=300, required=False, help_text=_("治安巡逻填写。"))
    started_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS)
    ended_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS)
    participants = PeopleField(
        label=_("同行人员"), queryset=Person.objects.none(), required=False, help_text=_("登记人自动计入。")
    )
    other_participants = forms.CharField(label=_("其他参加人员"), max_length=300, required=False, help_text=_("如民警、乡贤、志愿者，用顿号分隔。"))
    households_visited = forms.IntegerField(label=_("走访户数"), min_value=0, max_value=10000, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    issues_found = forms.IntegerField(label=_("发现问题数"), min_value=0, max_value=1000, initial=0, widget=forms.NumberInput(attrs={"inputmode": "numeric"}))
    findings = forms.CharField(label=_("发现情况"), widget=forms.Textarea(attrs={"rows": 4}), help_text=_("未发现问题的，写明“未发现矛盾纠纷”。"))
    case_numbers = forms.CharField(label=_("携带案件编号"), required=False, help_text=_("带案下访填写，多个编号用空格或逗号分隔。"))

    def __init__(self, *args, user, villages, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        villages = villages.select_related("subdistrict").order_by("sort_order", "id")
        self.fields["kind"].choices = [(k, FieldVisitKind(k).label) for k in kinds]
        self.fields["village"].queryset = villages
        self.fields["village"].empty_label = _("请选择村(社区)")
        below = Area.objects.filter(village__in=villages).select_related("village").order_by("village__sort_order", "sort_order", "id")
        self.fields["grid"].queryset = below.filter(kind=AreaKind.GRID)
        self.fields["compound"].queryset = below.filter(kind__in=[AreaKind.COMPOUND, AreaKind.GROUP])
        self.fields["participants"].queryset = participant_choices(villages)
        self.fields["participants"].widget.attrs["size"] = 6
        if not self.is_bound:
            now = timezone.localtime().replace(second=0, microsecond=0)
            self.initial.setdefault("ended_at", now)
            self.initial.setdefault("started_at", now - timedelta(hours=1))
            if len(kinds) == 1:
                self.initial.setdefault("kind", kinds[0])
            ids = list(villages.values_list("id", flat=True)[:2])
            if len(ids) == 1:
                self.initial.setdefault("village", ids[0])

    def clean(self):
        data = super().clean()
        village = data.get("village")
        data["carried_cases"] = []
        if data.get("case_numbers") and village is not None:
            found, missing = cases_by_numbers(self.user, data["case_numbers"], village.subdistrict_id)
            if missing:
                self.add_error("case_numbers", _("找不到案件或无权查看：%(numbers)s") % {"numbers": "、".join(missing)})
            data["carried_cases"] = found
        return data


class FieldVisitEditForm(forms.Form):
    grid = PlaceChoiceField(label=_("网格"), queryset=Area.objects.none(), required=False, empty_label=_("不限"))
    compound = PlaceChoiceField(label=_("小区/村民小组"), queryset=Area.objects.none(), required=False, empty_label=_("不限"))
    address = forms.CharField(label=_("地点"), max_length=200, required=False)
    route = forms.CharField(label=_("巡逻路线"), max_length=300, required=False)
    started_at = forms.DateTimeField(label=_("开始时间"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS)
    ended_at = forms.DateTimeField(label=_("结束时间"), widget=DateTimeInput(), input_formats=DATETIME_FORMATS)
    participants = PeopleField(label=_("同行人员"), queryset=Person.objects.none(), required=False)
    other_participants = forms.CharField(label=_("其他参加人员"), max_length=300, required=False)
    households_visited = forms.IntegerField(label=_("走访户数"), min_value=0, max_value=10000)
    issues_found = forms.IntegerField(label=_("发现问题数"), min_value=0, max_value=1000)
    findings = forms.CharField(label=_("发现情况"), widget=forms.Textarea(attrs={"rows": 4}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, visit, **kwargs):
        super().__init__(*args, **kwargs)
        self.visit = visit
        below = Area.objects.filter(village_id=visit.village_id).select_related("village").order_by("sort_order", "id")
        self.fields["grid"].queryset = below.filter(kind=AreaKind.GRID)
        self.fields["compound"].queryset = below.filter(kind__in=[AreaKind.COMPOUND, AreaKind.GROUP])
        self.fields["participants"].queryset = Person.objects.filter(
            Q(id__in=participant_choices(Area.objects.filter(pk=visit.village_id)).values("id"))
            | Q(id__in=visit.participants.values("id"))
        ).order_by("id")
        self.fields["participants"].widget.attrs["size"] = 6
        if visit.kind != FieldVisitKind.PATROL:
            del self.fields["route"]
        if not self.is_bound:
            self.initial.update(
                {
                    "grid": visit.grid_id,
                    "compound": visit.compound_id,
                    "address": visit.address,
                    "route": visit.route,
                    "started_at": timezone.localtime(visit.started_at),
                    "ended_at": timezone.localtime(visit.ended_at),
                    "participants": list(visit.participants.values_list("id", flat=True)),
                    "other_participants": visit.other_participants,
                    "households_visited": visit.households_visited,
                    "issues_found": visit.issues_found,
                    "findings": visit.findings,
                    "expected_version": visit.version,
                }
            )

    def changes(self):
        data = dict(self.cleaned_data)
        data.pop("expected_version", None)
        data.pop("participants", None)
        # The form shows times to the minute; an unchanged minute keeps the stored value.
        for name in ("started_at", "ended_at"):
            stored = getattr(self.visit, name)
            if data.get(name) == stored.replace(second=0, microsecond=0):
                data[name] = stored
        return data


class AttachCasesForm(forms.Form):
    case_numbers = forms.CharField(label=_("案件编号"), help_text=_("多个编号用空格或逗号分隔；只能关联您可查看的案件。"))


# ---------------------------------------------------------------- lists


REGISTER_KINDS = [("", _("全部走访巡逻")), (RECEPTION, _("领导接访")), *FieldVisitKind.choices]


class RegisterFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("登记簿"), choices=REGISTER_KINDS, required=False)
    village = forms.ModelChoiceField(label=_("村(社区)"), queryset=Area.objects.none(), required=False, empty_label=_("全部"))
    date_from = forms.DateField(label=_("起始日期"), widget=DateInput(), required=False)
    date_to = forms.DateField(label=_("截止日期"), widget=DateInput(), required=False)
    has_case = forms.ChoiceField(
        label=_("是否登记案件"), choices=[("", _("不限")), ("yes", _("已登记案件")), ("no", _("未登记案件"))], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages_for_reading(user).order_by("sort_order", "id")

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data


class PeriodForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), widget=DateInput(), required=False)
    date_to = forms.DateField(label=_("截止日期"), widget=DateInput(), required=False)

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("截止日期不能早于起始日期。"))
        return data
