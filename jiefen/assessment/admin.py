"""Admin screens for incidents, their log, appeals, the card policy and cards.

Reviews, appeals and cards change only through the services (which lock, log and recount), so
the admin shows them read-only; only the card policy is edited here."""

from django.contrib import admin

from . import admin_yearend  # noqa: F401 - registers the year-end admin
from .models import Card, CardPolicy, Incident, IncidentAppeal, IncidentEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    fields = ["at", "action", "actor", "from_status", "to_status", "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    """Read-mostly: confirm and void on the review pages, which recount the cards."""

    list_display = ["id", "kind", "case", "unit", "liaison_leader", "responsible_user", "stage", "due_date", "status", "assessment_year"]
    list_filter = ["kind", "status", "assessment_year"]
    list_select_related = ["case", "unit", "liaison_leader", "responsible_user"]
    search_fields = ["case__number", "unit__name"]
    show_full_result_count = False
    inlines = [IncidentEventInline]


@admin.register(IncidentEvent)
class IncidentEventAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "action", "actor", "from_status", "to_status", "at"]
    list_filter = ["action"]
    list_select_related = ["incident__unit", "actor"]
    show_full_result_count = False


@admin.register(IncidentAppeal)
class IncidentAppealAdmin(ReadOnlyAdmin):
    list_display = ["id", "incident", "filed_by", "filed_at", "status", "decided_by", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["incident__unit", "filed_by", "decided_by"]


@admin.register(CardPolicy)
class CardPolicyAdmin(admin.ModelAdmin):
    list_display = ["subdistrict", "yellow_at", "red_at", "black_at"]


@admin.register(Card)
class CardAdmin(ReadOnlyAdmin):
    list_display = ["id", "assessment_year", "colour", "unit", "leader", "incident", "issued_at", "withdrawn_at"]
    list_filter = ["assessment_year", "colour"]
    list_select_related = ["unit", "leader", "incident"]
