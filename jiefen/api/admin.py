from django.contrib import admin, messages
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jiefen.common.errors import DomainError

from .models import ApiToken, ApiTokenEvent
from .services import api_token_revoke


class ApiTokenEventInline(admin.TabularInline):
    model = ApiTokenEvent
    extra = 0
    fields = ["at", "kind", "actor", "data"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Tokens are created by their owners on /api/tokens/ (the key is shown only to them);
    administrators see every token and revoke the ones that must stop working."""

    list_display = ["name", "user", "prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter)]
    search_fields = ["name", "prefix", "user__username", "user__first_name"]
    readonly_fields = ["user", "name", "prefix", "created_at", "last_used_at", "revoked_at", "revoked_by"]
    fields = readonly_fields
    inlines = [ApiTokenEventInline]
    actions = ["revoke_selected"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=gettext_lazy("吊销所选令牌"), permissions=["change"])
    def revoke_selected(self, request, queryset):
        done = 0
        for token in queryset.filter(revoked_at__isnull=True):
            try:
                api_token_revoke(token_id=token.pk, actor=request.user)
            except DomainError as exc:
                self.message_user(request, f"{token}: {exc.message}", messages.ERROR)
            else:
                done += 1
        self.message_user(request, _("已吊销%(count)d个令牌。") % {"count": done}, messages.SUCCESS)


@admin.register(ApiTokenEvent)
class ApiTokenEventAdmin(admin.ModelAdmin):
    """The audit log: read only."""

    list_display = ["at", "kind", "token", "actor"]
    list_filter = ["kind"]
    raw_id_fields = ["token", "actor"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
