from django.contrib import admin

from .models import Activity, CounsellingReferral, PreventionLog, Programme


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ("name", "description", "sort_order", "is_active")
    list_editable = ("sort_order", "is_active")


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ("date", "title", "programme", "unit", "village", "participants", "households_reached", "volunteers")
    list_filter = ("programme", "subdistrict")
    date_hierarchy = "date"
    search_fields = ("title",)
    raw_id_fields = ("subdistrict", "unit", "village", "recorded_by")


@admin.register(CounsellingReferral)
class CounsellingReferralAdmin(admin.ModelAdmin):
    list_display = ("referred_on", "case", "party", "status", "sessions", "room")
    list_filter = ("status",)
    raw_id_fields = ("case", "party", "referred_by", "room")
    readonly_fields = ("version",)


@admin.register(PreventionLog)
class PreventionLogAdmin(admin.ModelAdmin):
    list_display = ("at", "action", "actor", "activity", "referral")
    list_filter = ("action",)
    readonly_fields = ("action", "activity", "referral", "actor", "at", "from_status", "to_status", "note", "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
