"""Forms of the meeting pages. They parse input; the rules stay in the services."""

import re

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import Case
from jiefen.cases.selectors import cases_visible_to
from jiefen.organisation.models import GRID_ROLES, Area, AreaKind, Person, Role

from .models import AttendanceStatus, MeetingKind, SanlianRole
from .selectors import meeting_attendance_choices, meeting_invitees, task_owner_units

User = get_user_model()
NUMBER_SPLIT = re.compile(r"[\s,，、;；]+")


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%dT%H:%M")


def _person_label(person):
    return person.name


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _person_label(obj)


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class MeetingFilterForm(forms.Form):
    when = forms.ChoiceField(choices=[("upcoming", _("待召开")), ("past", _("已召开及往期"))], required=False)
    kind = forms.ChoiceField(choices=[("", _("全部类型")), *MeetingKind.choices], required=False, label=_("会议类型"))


class MinutesForm(forms.Form):
    """Attendance (one select per person), chair, time, place and the discussion."""

    held_at = forms.DateTimeField(label=_("召开时间"), widget=DateTimeInput(), input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"])
    location = forms.CharField(label=_("地点"), max_length=100, required=False)
    chair = PersonChoiceField(label=_("主持人"), queryset=Person.objects.none(), required=False)
    notes = forms.CharField(label=_("讨论情况"), widget=forms.Textarea(attrs={"rows": 6}), help_text=_("逐项记录研究的案件、意见和分歧；决定事项请在下方交办为督办任务。"))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    STATUS_CHOICES = [("", _("未参会/不记录")), *AttendanceStatus.choices]

    def __init__(self, *args, meeting, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting = meeting
        invited = list(meeting_invitees(meeting))
        invited_ids = {p.id for p in invited}
        recorded = {a.person_id: a.status for a in meeting.attendance.all()}
        others = [p for p in meeting_attendance_choices(meeting) if p.id not in invited_ids]
        extra = [p for p in Person.objects.filter(id__in=set(recorded) - invited_ids - {p.id for p in others})]
        self.people = invited + others + extra
        self.invited_ids = invited_ids
        for person in self.people:
            initial = recorded.get(person.id, "" if recorded or person.id not in invited_ids else AttendanceStatus.PRESENT)
            self.fields[f"p{person.id}"] = forms.ChoiceField(
                label=person.name, choices=self.STATUS_CHOICES, required=False, initial=initial
            )
        self.fields["chair"].queryset = Person.objects.filter(id__in=[p.id for p in self.people])
        self.fields["expected_version"].initial = meeting.version
        if meeting.is_held:
            self.fields["held_at"].required = False
            self.fields["held_at"].disabled = True
            self.fields["held_at"].initial = timezone.localtime(meeting.held_at) if meeting.held_at else None
            self.fields["notes"].initial = meeting.notes
            self.fields["location"].initial = meeting.location
            self.fields["chair"].initial = meeting.chair_id
        else:
            self.fields["held_at"].initial = timezone.localtime().replace(second=0, microsecond=0)
            # The 政法委员 chairs the weekly 会商, the branch secretary the branch's meetings.
            chair_role = {
                MeetingKind.CONSULTATION: Role.POLITICAL_LEGAL_COMMISSIONER,
                MeetingKind.BRANCH_DISPATCH: Role.BRANCH_SECRETARY,
                MeetingKind.BRANCH_ANALYSIS: Role.BRANCH_SECRETARY,
            }.get(meeting.kind)
            if chair_role:
                chair = Person.objects.filter(id__in=invited_ids, roles__role=chair_role).order_by("id").first()
                self.fields["chair"].initial = chair.pk if chair else None

    def attendance_rows(self):
        """(person, bound field, invited?) for the template, invitees first."""
        return [(person, self[f"p{person.id}"], person.id in self.invited_ids) for person in self.people]

    def attendance(self) -> dict:
        return {
            person.id: self.cleaned_data[f"p{person.id}"] for person in self.people if self.cleaned_data.get(f"p{person.id}")
        }


class DecisionForm(forms.Form):
    title = forms.CharField(label=_("督办事项"), max_length=120, help_text=_("一句话概括，如“青龙村宅基地纠纷月底前化解”。"))
    decision = forms.CharField(label=_("会议决定"), widget=forms.Textarea(attrs={"rows": 3}))
    owner_unit = forms.ModelChoiceField(label=_("责任单位"), queryset=None)
    owner = UserChoiceField(label=_("责任人"), queryset=User.objects.none(), help_text=_("须在责任单位任职。"))
    working_days = forms.IntegerField(label=_("办理时限（工作日）"), min_value=1, max_value=120, initial=5, required=False)
    deadline = forms.DateField(label=_("或指定办结期限"), widget=DateInput(), required=False, help_text=_("填写后以此为准；遇节假日顺延至下一工作日。"))
    cases = forms.MultipleChoiceField(label=_("关联议程中的案件"), required=False, widget=forms.CheckboxSelectMultiple)
    case_numbers = forms.CharField(label=_("其他关联案件编号"), required=False, help_text=_("多个编号用空格或逗号分隔。"))

    def __init__(self, *args, meeting, user, agenda_cases=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting, self.user = meeting, user
        self.fields["owner_unit"].queryset = task_owner_units(meeting.subdistrict_id)
        unit_id = self.data.get("owner_unit") if self.is_bound else None
        self.fields["owner"].queryset = _owners(meeting.subdistrict_id, unit_id)
        self.fields["cases"].choices = [(str(row["id"]), f"{row['number']} {row['title']}") for row in agenda_cases]

    def clean(self):
        data = super().clean()
        if not data.get("working_days") and not data.get("deadline"):
            self.add_error("working_days", _("请填写办理时限或办结期限。"))
        numbers = [n for n in NUMBER_SPLIT.split(data.get("case_numbers") or "") if n]
        ids = [int(i) for i in data.get("cases") or []]
        visible = cases_visible_to(self.user).filter(subdistrict_id=self.meeting.subdistrict_id)
        found = list(visible.filter(Q(id__in=ids) | Q(number__in=numbers)))
        missing = set(numbers) - {c.number for c in found}
        if missing:
            self.add_error("case_numbers", _("找不到案件：%(numbers)s") % {"numbers": "、".join(sorted(missing))})
        data["case_objects"] = found
        return data


def _owners(subdistrict_id, unit_id=None):
    """People with a login holding a non-grid role in a unit of the subdistrict (or the unit given)."""
    users = User.objects.filter(is_active=True, person__is_active=True).exclude(person__roles__role__in=GRID_ROLES)
    if unit_id:
        try:
            users = users.filter(person__roles__unit_id=int(unit_id))
        except (TypeError, ValueError):
            return User.objects.none()
    else:
        users = users.filter(
            Q(person__roles__unit__area_id=subdistrict_id) | Q(person__roles__unit__area__subdistrict_id=subdistrict_id)
        )
    return users.distinct().order_by("first_name", "username")


def owners_for_unit(subdistrict_id, unit_id):
    return _owners(subdistrict_id, unit_id)


class ProgressForm(forms.Form):
    note = forms.CharField(label=_("办理进展"), widget=forms.Textarea(attrs={"rows": 3}))


class CompleteForm(forms.Form):
    result = forms.CharField(label=_("办理结果"), widget=forms.Textarea(attrs={"rows": 3}))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)


class TaskFilterForm(forms.Form):
    which = forms.ChoiceField(choices=[("mine", _("我的")), ("unit", _("本单位")), ("all", _("全部"))], required=False)
    state = forms.ChoiceField(choices=[("open", _("办理中")), ("done", _("已办结")), ("all", _("全部状态"))], required=False, label=_("状态"))
    overdue = forms.BooleanField(required=False, label=_("只看已超期"))


# ---------------------------------------------------------------- 三联三议


class CompoundChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.village.name} · {obj.name}" if obj.village_id else obj.name


class DeliberationForm(forms.Form):
    compound = CompoundChoiceField(label=_("小区"), queryset=Area.objects.none())
    subject = forms.CharField(label=_("议题"), max_length=120)
    agenda = forms.CharField(label=_("议程与情况说明"), widget=forms.Textarea(attrs={"rows": 4}))
    scheduled_on = forms.DateField(label=_("计划召开日期"), widget=DateInput())
    cases = forms.ModelMultipleChoiceField(
        label=_("关联案件"), queryset=Case.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, compounds, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["compound"].queryset = compounds
        self.fields["cases"].queryset = cases
        self.fields["cases"].label_from_instance = lambda case: f"{case.number} {case.title}"


class DeliberationRecordForm(forms.Form):
    held_on = forms.DateField(label=_("召开日期"), widget=DateInput())
    location = forms.CharField(label=_("地点"), max_length=100, required=False)
    resolution = forms.CharField(label=_("议定事项"), widget=forms.Textarea(attrs={"rows": 4}))
    other_attendees = forms.CharField(label=_("其他参加人员"), max_length=300, required=False, help_text=_("如业主代表、网格员、社区民警。"))
    expected_version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, deliberation, **kwargs):
        super().__init__(*args, **kwargs)
        self.parties = list(deliberation.parties.select_related("unit"))
        for party in self.parties:
            self.fields[f"{party.role}_present"] = forms.BooleanField(label=_("到会"), required=False, initial=True)
            self.fields[f"{party.role}_attendee"] = forms.CharField(label=_("到会代表"), max_length=50, required=False)
        self.fields["expected_version"].initial = deliberation.version
        self.fields["held_on"].initial = timezone.localdate()

    def party_rows(self):
        return [(party, self[f"{party.role}_present"], self[f"{party.role}_attendee"]) for party in self.parties]

    def attendance(self) -> dict:
        return {
            role: (self.cleaned_data.get(f"{role}_present"), self.cleaned_data.get(f"{role}_attendee", ""))
            for role in SanlianRole.values
        }


def compounds_for(user, subdistrict_ids=None):
    from .access import access_for

    access = access_for(user)
    compounds = Area.objects.filter(kind=AreaKind.COMPOUND).select_related("village")
    if access.is_superuser:
        return compounds
    return compounds.filter(
        Q(subdistrict_id__in=access.staff_subdistrict_ids)
        | Q(id__in=access.branch_area_ids)
        | Q(village_id__in=access.mediator_village_ids)
    )

