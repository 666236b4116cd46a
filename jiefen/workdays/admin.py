from django.contrib import admin

from .models import CalendarDay


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ["date", "is_workday", "name", "source"]
    list_filter = ["is_workday", "source"]
    date_hierarchy = "date"

    def save_model(self, request, obj, form, change):
        # A hand edit must survive the next import from the package.
        obj.source = CalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)
