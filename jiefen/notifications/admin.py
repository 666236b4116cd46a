from django.contrib import admin

from .models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "case", "message", "created_at", "read_at"]
    list_filter = ["kind"]
    show_full_result_count = False
