import django.db.models.deletion
from django.db import migrations, models

# Case, unit and liaison leader each lead an index or constraint of the incident table
# (incident_once_per_limit, incident_unit_year, incident_leader_year) that serves every lookup
# their single-column indexes did; those only cost writes. Dropped by name rather than through
# AlterField, which on SQLite would copy the whole table to change nothing else.
DROPPED = [
    ("assessment_incident_case_id_e842bc43", "case_id"),
    ("assessment_incident_unit_id_615b9be2", "unit_id"),
    ("assessment_incident_liaison_leader_id_4491a8ad", "liaison_leader_id"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("assessment", "0004_statistics_indexes"),
        ("cases", "0001_initial"),
        ("organisation", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{index}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{index}" ON "assessment_incident" ("{column}")',
                )
                for index, column in DROPPED
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="incident",
                    name="case",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents",
                        to="cases.case",
                        verbose_name="案件",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="liaison_leader",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        help_text="确认时按责任单位所在村(社区)或单位的联系领导填写。",
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="liaison_incidents",
                        to="organisation.person",
                        verbose_name="联系领导",
                    ),
                ),
                migrations.AlterField(
                    model_name="incident",
                    name="unit",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="incidents",
                        to="organisation.unit",
                        verbose_name="责任单位",
                    ),
                ),
            ],
        ),
    ]
