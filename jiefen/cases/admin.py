from django.contrib import admin

from .models import Case, CaseEvent, DisputeType, Party, RoutingRule, TimeLimit


@admin.register(DisputeType)
class DisputeTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "sort_order", "is_personal_status", "is_active"]
    list_editable = ["sort_order", "is_active"]


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["priority", "name", "complexity", "risk_grade", "dispute_type", "is_group", "in_compound", "tier", "unit_kind", "unit", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["tier", "is_active"]


@admin.register(TimeLimit)
class TimeLimitAdmin(admin.ModelAdmin):
    list_display = ["stage", "risk_grade", "days", "day_kind", "description"]
    list_editable = ["days", "day_kind"]


class PartyInline(admin.TabularInline):
    model = Party
    extra = 0


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the lifecycle services, which keep the event log."""

    list_display = ["number", "title", "state", "tier", "village", "assigned_unit", "due_date", "is_overdue"]
    list_filter = ["state", "tier", "risk_grade", "dispute_type"]
    search_fields = ["number", "title"]
    show_full_result_count = False
    inlines = [PartyInline]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CaseEvent)
class CaseEventAdmin(admin.ModelAdmin):
    list_display = ["case", "kind", "action", "from_state", "to_state", "actor", "at"]
    list_filter = ["kind"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
