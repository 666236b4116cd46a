from django.contrib import admin

from .models import CaseAccess


@admin.register(CaseAccess)
class CaseAccessAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "case", "kind", "detail", "ip"]
    list_filter = ["kind"]
    search_fields = ["case__number", "user__username"]
    list_select_related = ["user", "case"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
