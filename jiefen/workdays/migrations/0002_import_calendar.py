from django.db import migrations


def import_calendar(apps, schema_editor):
    from chinese_calendar import constants

    from jiefen.workdays.services import HOLIDAY_NAMES

    CalendarDay = apps.get_model("workdays", "CalendarDay")
    rows = [
        CalendarDay(date=day, is_workday=False, name=HOLIDAY_NAMES.get(name, "法定节假日"), source="package")
        for day, name in constants.holidays.items()
    ] + [
        CalendarDay(date=day, is_workday=True, name=f"{HOLIDAY_NAMES.get(name, '')}调休上班", source="package")
        for day, name in constants.workdays.items()
    ]
    CalendarDay.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(import_calendar, migrations.RunPython.noop)]
