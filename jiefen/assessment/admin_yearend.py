"""Admin for the year-end score sheets and results.

Drafts can be edited here as on the sheet page (each save is logged as an AssessmentEvent);
a published sheet, its lines and its results are read-only, and results are never edited by
hand — they come from computing the sheet (the admin actions call the same services)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError

from . import yearend
from .models import AssessmentResult, BonusItem, ScoreIndicator, ScoreSheet, SheetStatus
from .yearend_models import AssessmentAction, AssessmentEvent


def _published(obj) -> bool:
    return obj is not None and obj.status == SheetStatus.PUBLISHED


class ScoreIndicatorForm(forms.ModelForm):
    indicator = forms.ChoiceField(label=gettext_lazy("指标"), choices=())

    class Meta:
        model = ScoreIndicator
        fields = ["indicator", "weight", "target", "sort_order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].choices = yearend.indicator_choices()

    def clean(self):
        data = super().clean()
        spec = yearend.INDICATORS.get(data.get("indicator"))
        target = data.get("target")
        if target is not None and target <= 0:
            self.add_error("target", _("目标值应大于0。"))
        elif spec and spec.kind == yearend.RATE and target is not None and target > 1:
            self.add_error("target", _("比率指标的目标值应在0到1之间，如0.95。"))
        return data


class FrozenWhenPublished:
    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_add_permission(self, request, obj=None):
        return not _published(obj) and super().has_add_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)


class ScoreIndicatorInline(FrozenWhenPublished, admin.TabularInline):
    model = ScoreIndicator
    form = ScoreIndicatorForm
    extra = 0


class BonusItemInline(FrozenWhenPublished, admin.TabularInline):
    model = BonusItem
    extra = 0


@admin.register(ScoreSheet)
class ScoreSheetAdmin(admin.ModelAdmin):
    list_display = ["name", "subdistrict", "year", "subject_kind", "status", "published_at"]
    list_filter = ["year", "subject_kind", "status"]
    readonly_fields = ["status", "published_at", "published_by"]
    inlines = [ScoreIndicatorInline, BonusItemInline]
    actions = ["compute", "publish"]

    def has_change_permission(self, request, obj=None):
        return not _published(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not _published(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        action = AssessmentAction.UPDATED if change else AssessmentAction.CREATED
        AssessmentEvent.objects.create(
            subdistrict_id=obj.subdistrict_id, year=obj.year, sheet=obj, action=action, actor=request.user,
            data={"via": "admin", "fields": sorted(form.changed_data)},
        )

    @admin.action(description=gettext_lazy("计算得分"))
    def compute(self, request, queryset):
        self._run(request, queryset, yearend.assessment_compute, _("已计算“%(name)s”。"))

    @admin.action(description=gettext_lazy("发布结果（冻结）"))
    def publish(self, request, queryset):
        self._run(request, queryset, yearend.assessment_publish, _("已发布“%(name)s”。"))

    def _run(self, request, queryset, service, done):
        for sheet in queryset:
            try:
                service(request.user, sheet.pk)
            except (DomainError, ScoreSheet.DoesNotExist) as exc:
                self.message_user(request, f"{sheet.name}：{getattr(exc, 'message', exc)}", messages.ERROR)
            else:
                self.message_user(request, done % {"name": sheet.name}, messages.SUCCESS)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AssessmentResult)
class AssessmentResultAdmin(ReadOnlyAdmin):
    list_display = ["subject_name", "sheet", "rank", "score", "eligible", "computed_at"]
    list_filter = ["sheet__year", "sheet__subject_kind", "eligible"]
    search_fields = ["subject_name"]
    list_select_related = ["sheet"]


@admin.register(AssessmentEvent)
class AssessmentEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "sheet", "year", "actor"]
    list_filter = ["action", "year"]
    list_select_related = ["sheet", "actor"]
