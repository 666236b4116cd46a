from django.contrib import admin

from .models import DiscoveryEvent, FieldVisit, ReceptionSlot, ReceptionVisit


class ReceptionVisitInline(admin.TabularInline):
    model = ReceptionVisit
    extra = 0
    fields = ["visitor_name", "visitors_count", "village", "outcome", "case"]
    raw_id_fields = ["village", "case"]
    show_change_link = True


@admin.register(ReceptionSlot)
class ReceptionSlotAdmin(admin.ModelAdmin):
    list_display = ["date", "start_time", "end_time", "leader", "place", "is_cancelled"]
    list_filter = ["is_cancelled"]
    search_fields = ["leader__name", "place"]
    date_hierarchy = "date"
    raw_id_fields = ["subdistrict", "leader", "room", "created_by"]
    readonly_fields = ["version", "created_at"]
    inlines = [ReceptionVisitInline]
    show_full_result_count = False


@admin.register(ReceptionVisit)
class ReceptionVisitAdmin(admin.ModelAdmin):
    list_display = ["received_on", "visitor_name", "visitors_count", "village", "outcome", "case"]
    list_filter = ["outcome"]
    search_fields = ["visitor_name", "matter"]
    date_hierarchy = "received_on"
    raw_id_fields = ["slot", "subdistrict", "village", "case", "recorded_by"]
    readonly_fields = ["created_at"]
    show_full_result_count = False


@admin.register(FieldVisit)
class FieldVisitAdmin(admin.ModelAdmin):
    list_display = ["started_at", "kind", "village", "households_visited", "issues_found", "recorded_by"]
    list_filter = ["kind"]
    search_fields = ["findings", "address", "village__name"]
    date_hierarchy = "started_at"
    raw_id_fields = ["subdistrict", "village", "grid", "compound", "participants", "carried_cases", "opened_cases", "recorded_by"]
    readonly_fields = ["version", "created_at"]
    show_full_result_count = False


@admin.register(DiscoveryEvent)
class DiscoveryEventAdmin(admin.ModelAdmin):
    """The audit log: read only."""

    list_display = ["at", "kind", "actor", "slot", "reception_visit", "field_visit"]
    list_filter = ["kind"]
    raw_id_fields = ["subdistrict", "slot", "reception_visit", "field_visit", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
