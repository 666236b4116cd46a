from django.contrib import admin

from .models import Activity, Attendance, Deliberation, DeliberationParty, Meeting, SupervisionTask


class AttendanceInline(admin.TabularInline):
    model = Attendance
    extra = 0
    autocomplete_fields = ["person"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "unit", "scheduled_on", "state", "held_at"]
    list_filter = ["kind", "state"]
    search_fields = ["title", "unit__name"]
    date_hierarchy = "scheduled_on"
    readonly_fields = ["agenda", "agenda_at", "version", "created_at"]
    raw_id_fields = ["subdistrict", "unit", "chair", "recorded_by"]
    inlines = [AttendanceInline]
    show_full_result_count = False


@admin.register(SupervisionTask)
class SupervisionTaskAdmin(admin.ModelAdmin):
    list_display = ["number", "title", "owner_unit", "owner", "deadline", "state", "missed_on"]
    list_filter = ["state"]
    search_fields = ["number", "title", "owner_unit__name"]
    raw_id_fields = ["subdistrict", "meeting", "owner_unit", "owner", "created_by", "done_by", "incident", "cases"]
    readonly_fields = ["number", "missed_on", "incident", "version", "created_at"]
    show_full_result_count = False


class DeliberationPartyInline(admin.TabularInline):
    model = DeliberationParty
    extra = 0
    raw_id_fields = ["unit"]


@admin.register(Deliberation)
class DeliberationAdmin(admin.ModelAdmin):
    list_display = ["subject", "compound", "scheduled_on", "state", "held_on"]
    list_filter = ["state"]
    search_fields = ["subject", "compound__name"]
    raw_id_fields = ["subdistrict", "village", "compound", "cases", "created_by", "recorded_by"]
    inlines = [DeliberationPartyInline]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """The audit log: read only."""

    list_display = ["at", "kind", "actor", "meeting", "task", "deliberation"]
    list_filter = ["kind"]
    raw_id_fields = ["subdistrict", "meeting", "task", "deliberation", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
