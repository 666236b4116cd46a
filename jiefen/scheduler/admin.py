from django.contrib import admin

from .models import PeriodicDuty, WorkerHeartbeat


@admin.register(PeriodicDuty)
class PeriodicDutyAdmin(admin.ModelAdmin):
    list_display = ["name", "next_run_at", "last_claimed_at", "last_claimed_by", "runs"]


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker_id", "hostname", "pid", "started_at", "last_seen_at"]
    readonly_fields = ["worker_id", "hostname", "pid", "started_at", "last_seen_at"]
