from django import forms
from django.utils.translation import gettext_lazy as _

from jiefen.cases.models import DisputeType
from jiefen.organisation.models import Area, AreaKind
from jiefen.organisation.selectors import areas_for_intake, user_scope
from jiefen.web.forms import CaseIntakeForm


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("令牌用途"),
        max_length=60,
        help_text=_("如“区级平台对接”“数据分析脚本”，便于日后辨认和吊销。"),
        error_messages={"required": _("请填写令牌的用途名称。"), "max_length": _("名称不能超过60个字。")},
    )


class ApiCaseIntakeForm(CaseIntakeForm):
    """The web intake form's fields, checks and choices, without what only a page needs (the
    list of villages to show, widgets, initial values): the API posts ids, and each choice is
    one lookup among the rows this user may choose (tests/test_intake_queries.py holds the
    choices equal to the web form's).

    Each choice field has just loaded its row, so the model's own check that the row
    exists is not asked of the database again."""

    RELATED = ("dispute_type", "village", "compound", "grid")

    def __init__(self, data, *, user):
        if data.get("routing_unit"):
            # Sending the case elsewhere is rare: the web form's own set-up offers the units.
            super().__init__(data, user=user)
            return
        forms.ModelForm.__init__(self, data)
        self.user = user
        scope = user_scope(user)
        fields = self.fields
        villages = areas_for_intake(user)
        fields["village"].queryset = villages.select_related("subdistrict")
        fields["dispute_type"].queryset = DisputeType.objects.filter(is_active=True)
        below = Area.objects.filter(village_id__in=villages.values("id"))
        chosen = self.chosen_village_id()
        if chosen is not None:
            below = below.filter(village_id=chosen)
        fields["compound"].queryset = below.filter(kind__in=[AreaKind.GROUP, AreaKind.COMPOUND])
        fields["grid"].queryset = below.filter(kind=AreaKind.GRID)
        # No unit chosen: the field stays empty whatever it offers.
        self.can_override_routing = bool(scope.is_superuser or scope.staff_subdistrict_ids)
        if not self.can_override_routing:
            del fields["routing_unit"], fields["routing_reason"]

    def _get_validation_exclusions(self):
        exclude = super()._get_validation_exclusions()
        exclude.update(name for name in self.RELATED if getattr(self.cleaned_data.get(name), "pk", None) is not None)
        return exclude
