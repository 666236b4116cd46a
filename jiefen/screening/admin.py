from django.contrib import admin

from .models import Campaign, CampaignGrid, ScreeningFinding, ScreeningLog, ScreeningTally


class CampaignGridInline(admin.TabularInline):
    model = CampaignGrid
    extra = 0
    raw_id_fields = ("grid", "workers")


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ("name", "subdistrict", "kind", "status", "start_date", "end_date", "closed_on")
    list_filter = ("status", "kind", "subdistrict")
    search_fields = ("name",)
    raw_id_fields = ("created_by",)
    inlines = [CampaignGridInline]


@admin.register(ScreeningTally)
class ScreeningTallyAdmin(admin.ModelAdmin):
    list_display = ("date", "campaign_grid", "worker", "households_visited", "disputes_found")
    list_filter = ("campaign_grid__campaign",)
    date_hierarchy = "date"
    raw_id_fields = ("campaign_grid", "worker", "recorded_by")


@admin.register(ScreeningFinding)
class ScreeningFindingAdmin(admin.ModelAdmin):
    list_display = ("found_on", "campaign_grid", "parties", "found_by", "case")
    list_filter = ("campaign_grid__campaign",)
    raw_id_fields = ("campaign_grid", "found_by", "case", "recorded_by")


@admin.register(ScreeningLog)
class ScreeningLogAdmin(admin.ModelAdmin):
    list_display = ("at", "campaign", "kind", "actor")
    list_filter = ("kind",)
    readonly_fields = ("campaign", "kind", "actor", "at", "data")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
