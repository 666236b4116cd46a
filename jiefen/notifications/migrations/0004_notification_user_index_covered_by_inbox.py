import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

# The recipient leads notification_inbox (user, read_at, -id), which serves every lookup the
# single-column index did; that one only cost a write per notification. Dropped by name rather
# than through AlterField, which on SQLite would copy the whole table to change nothing else.
INDEX = "notifications_notification_user_id_b5e8c0ff"


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0003_outbox_webhooks_preferences"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    sql=f'DROP INDEX IF EXISTS "{INDEX}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{INDEX}" ON "notifications_notification" ("user_id")',
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="notification",
                    name="user",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notifications",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="接收人",
                    ),
                ),
            ],
        ),
    ]
