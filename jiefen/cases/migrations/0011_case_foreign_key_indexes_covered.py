import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Three single-column indexes of the case table duplicate a composite index: on SQLite an index
# holds the row id after its columns, so village_id's is case_village_id (village_id, id), and
# likewise grid_id's and reported_by_id's; each cost a write per registered case. Dropped by
# name rather than through AlterField, which on SQLite would copy the whole case table to change
# nothing else. (The subdistrict's, unit's and mediator's stay: no composite index is that
# column followed by id, the order the case lists walk.)
TABLE = "cases_case"
INDEXES = {
    "cases_case_grid_id_af7609ce": "grid_id",
    "cases_case_reported_by_id_cd03598d": "reported_by_id",
    "cases_case_village_id_9afc21ac": "village_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0010_open_cases_risk_index"),
        ("organisation", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "{TABLE}" ("{column}")',
                )
                for index, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="grid",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organisation.area", verbose_name="网格"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="reported_by",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="reported_cases", to=settings.AUTH_USER_MODEL, verbose_name="登记人"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="village",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organisation.area", verbose_name="村(社区)"),
                ),
            ],
        ),
    ]
