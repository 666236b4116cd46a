from django.contrib import admin, messages
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from .delivery import webhook_endpoint_send_test
from .forms import WebhookEndpointForm
from .models import Notification, NotificationPreference, OutboxMessage, OutboxStatus, WebhookEndpoint
from .services import outbox_retry


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "case", "message", "created_at", "read_at"]
    list_filter = ["kind"]
    show_full_result_count = False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "flavour", "subdistrict", "is_active", "waiting", "failed", "created_by", "created_at"]
    list_filter = ["flavour", "is_active"]
    search_fields = ["name", "url"]
    raw_id_fields = ["subdistrict"]
    readonly_fields = ["created_by", "created_at"]
    actions = ["send_test"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                waiting_count=Count("messages", filter=Q(messages__status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING])),
                failed_count=Count("messages", filter=Q(messages__status=OutboxStatus.DEAD)),
            )
        )

    @admin.display(description=_lazy("待投递"), ordering="waiting_count")
    def waiting(self, obj):
        return obj.waiting_count

    @admin.display(description=_lazy("投递失败"), ordering="failed_count")
    def failed(self, obj):
        return obj.failed_count

    def save_model(self, request, obj, form, change):
        if not change and obj.created_by_id is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_lazy("发送测试消息"))
    def send_test(self, request, queryset):
        # Sent at once, not through the outbox: whoever sets an endpoint up wants the answer now.
        for endpoint in queryset:
            error = webhook_endpoint_send_test(endpoint)
            if error is None:
                self.message_user(request, _("“%(name)s”：测试消息发送成功。") % {"name": endpoint.name}, messages.SUCCESS)
            else:
                self.message_user(
                    request, _("“%(name)s”：测试消息发送失败：%(error)s") % {"name": endpoint.name, "error": error}, messages.ERROR
                )
            self.log_change(request, endpoint, _("发送测试消息：%(result)s") % {"result": error or _("成功")})


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["id", "channel", "recipient", "status", "attempts", "next_attempt_at", "sent_at", "short_error", "created_at"]
    list_filter = ["status", "channel", "endpoint"]
    search_fields = ["recipient", "last_error"]
    raw_id_fields = ["notification", "endpoint"]
    readonly_fields = [
        "notification", "channel", "endpoint", "recipient", "payload", "status", "attempts",
        "next_attempt_at", "claim", "last_error", "sent_at", "created_at",
    ]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_lazy("最近错误"))
    def short_error(self, obj):
        return obj.last_error[:80]

    def has_retry_permission(self, request):
        return request.user.has_perm("notifications.change_outboxmessage")

    @admin.action(description=_lazy("重新投递"), permissions=["retry"])
    def retry(self, request, queryset):
        count = outbox_retry(message_ids=queryset.values_list("pk", flat=True), actor=request.user)
        skipped = queryset.exclude(status__in=[OutboxStatus.DEAD, OutboxStatus.PENDING]).count()
        self.message_user(request, _("已将%(count)s条消息交回投递。") % {"count": count}, messages.SUCCESS)
        if skipped:
            self.message_user(request, _("%(count)s条消息已送达或正在投递，未重复发送。") % {"count": skipped}, messages.WARNING)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "email_enabled", "updated_at"]
    list_filter = ["email_enabled"]
    raw_id_fields = ["user"]
