from django.contrib import admin

from . import admin_yearend  # noqa: F401 - registers the year-end admin
from .models import Incident


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ["kind", "case", "unit", "responsible_user", "stage", "due_date", "status", "assessment_year"]
    list_filter = ["kind", "status", "assessment_year"]
    show_full_result_count = False
