from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("cases", "0006_statistics_indexes"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="case", name="case_subdistrict_perf_due"),
        migrations.AddIndex(
            model_name="case",
            index=models.Index(
                fields=[
                    "subdistrict", "performance_due", "agreement_form", "closed_at", "imported",
                    "dispute_type", "village", "channel", "tier", "assigned_unit",
                ],
                name="case_subdistrict_perf_due_all",
            ),
        ),
    ]
