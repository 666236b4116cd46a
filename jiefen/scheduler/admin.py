from django.contrib import admin

from .models import PeriodicDuty


@admin.register(PeriodicDuty)
class PeriodicDutyAdmin(admin.ModelAdmin):
    list_display = ["name", "next_run_at", "last_claimed_at", "last_claimed_by", "runs"]
