import django.db.models.deletion
from django.db import migrations, models

# The events' single-column index on case duplicates event_case_id (case, id): every lookup by
# case is served by the latter, and the former only costs a write per event (a catch-up of the
# deadline sweep rewrites it almost whole). Dropped by name rather than through AlterField,
# which on SQLite would copy the whole events table to change nothing else.
INDEX, TABLE, COLUMN = "cases_caseevent_case_id_6c6031ac", "cases_caseevent", "case_id"


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0008_list_and_home_indexes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "{TABLE}" ("{COLUMN}")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="caseevent",
                    name="case",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="events",
                        to="cases.case",
                        verbose_name="案件",
                    ),
                ),
            ],
        ),
    ]
