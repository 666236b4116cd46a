import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# Six single-column indexes of the case table each duplicate the first column of a composite
# index (case_subdistrict_state, case_village_id, case_grid_id, case_unit_state,
# case_mediator_state, case_reporter_id), which serves every lookup by that column; each cost a
# write per registered case. Dropped by name rather than through AlterField, which on SQLite
# would copy the whole case table to change nothing else.
TABLE = "cases_case"
INDEXES = {
    "cases_case_assigned_unit_id_f7dfb299": "assigned_unit_id",
    "cases_case_grid_id_af7609ce": "grid_id",
    "cases_case_mediator_id_8c568ded": "mediator_id",
    "cases_case_reported_by_id_cd03598d": "reported_by_id",
    "cases_case_subdistrict_id_b096a8f1": "subdistrict_id",
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
                    name="assigned_unit",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="cases", to="organisation.unit", verbose_name="承办单位"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="grid",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organisation.area", verbose_name="网格"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="mediator",
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="承办调解员"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="reported_by",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="reported_cases", to=settings.AUTH_USER_MODEL, verbose_name="登记人"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="subdistrict",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organisation.area", verbose_name="街道"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="village",
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="organisation.area", verbose_name="村(社区)"),
                ),
            ],
        ),
    ]
